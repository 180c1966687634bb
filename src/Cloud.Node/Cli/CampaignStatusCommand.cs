using System.CommandLine;
using System.Diagnostics;
using Fleet.Cloud.Api;
using Fleet.Shared.Campaigns;

namespace Fleet.Cloud.Cli;

/// <summary>
/// <c>fleet-cloud campaign status ID [--wait-version N --devices COUNT --timeout SEC]</c>: the version each device runs;
/// with <c>--wait-version</c> it waits until enough devices run it, so a script can go on once they do.
/// </summary>
internal static class CampaignStatusCommand
{
    public static Command Create()
    {
        var waitVersion = CliOption.Int("--wait-version", 0, "wait until --devices devices run this version or a later one (exit 1 after --timeout)");
        var devices = CliOption.Int("--devices", 1, "with --wait-version: how many devices must run it");
        var timeout = CliOption.Int("--timeout", 60, "with --wait-version: how many seconds to wait");
        return new Command("status", "the version each device runs, its signing key and its last rejection") { waitVersion, devices, timeout }
            .OnCampaign((r, api, id) => RunAsync(api, id, r.GetValue(waitVersion), r.GetValue(devices), TimeSpan.FromSeconds(r.GetValue(timeout)), r.GetValue(FleetCli.Json)));
    }

    private static async Task<int> RunAsync(ApiClient api, string id, int wantVersion, int wantDevices, TimeSpan timeout, bool json)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var reports = await api.GetAsync<List<DeviceSyncReport>>($"api/v1/campaigns/{Uri.EscapeDataString(id)}/status");
            var running = reports.Count(r => r.Running.Any(c => c.CampaignId == id && c.Version >= wantVersion));
            if (wantVersion == 0 || running >= wantDevices)
            {
                Console.Write(json ? CliJson.Of(reports) : reports.Count == 0 ? "no device has reported this campaign yet\n" : TextTable.Render(["DEVICE", "RUNNING", "KEY", "LAST REJECTION"],
                    reports.Select(r => (IReadOnlyList<string>)[r.DeviceId,
                        r.Running.FirstOrDefault(c => c.CampaignId == id) is { } rc ? $"v{rc.Version}" : "-",
                        r.Running.FirstOrDefault(c => c.CampaignId == id)?.Kid ?? "-",
                        r.Rejections.LastOrDefault(x => x.CampaignId == id) is { } x ? $"v{x.Version} {x.Reason}: {x.Message}" : "-"])));
                return 0;
            }
            if (deadline.Elapsed > timeout) throw new FleetException($"only {running} of {wantDevices} device(s) run {id} v{wantVersion} after {timeout.TotalSeconds:0}s");
            await Task.Delay(100);
        }
    }
}
