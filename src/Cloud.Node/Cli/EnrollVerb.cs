using System.CommandLine;
using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Cloud.Enrolment;
using Fleet.Shared.Devices;
using Fleet.Shared.Enrolment;
using Fleet.Shared.IO;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud enroll</c>: an enrolment bundle for one device (written mode 600), or a one-time code.</summary>
public static class EnrollVerb
{
    public static Command Create()
    {
        var deviceId = CliOption.Text("--device-id", "the device to enrol", "ID");
        deviceId.Required = true;
        var tags = CliOption.Text("--tags", "the device's tags", "k=v,...");
        var outFile = CliOption.Text("--out", "write a bundle to FILE (mode 600): the device's certificate and key, the fleet CA, seeds and API URL", "FILE");
        var seeds = CliOption.Many("--seed", "with --out: a seed the bundle names (repeatable)", "HOST:PORT");
        var bundleApi = CliOption.Text("--bundle-api", "with --out: the API URL the bundle names", "URL");
        var code = CliOption.Flag("--code", "print a short-lived one-time code instead, which the device exchanges itself (its key never leaves it)");
        var ttl = CliOption.Text("--ttl", "15m", "with --code: how long the code is valid", "DURATION");
        var command = new Command("enroll", "enrol a device: a bundle file (--out) or a one-time code (--code)") { deviceId, tags, outFile, seeds, bundleApi, code, ttl }
            .CallsApi()
            .WithDetails("""
                Pass exactly one of --out and --code. Copy a bundle to the device and run 'fleet-edge enroll --bundle FILE';
                a code is redeemed on the device with 'fleet-edge enroll --code CODE --api URL'.
                """);
        command.SetAction((r, _) =>
        {
            var id = IdArguments.Parse<DeviceId>(r.GetValue(deviceId)!).Value;
            var tagMap = TagText.Parse(r.GetValue(tags));
            var file = r.GetValue(outFile);
            if (r.GetValue(code) == (file is not null)) throw new UsageException("pass exactly one of --out FILE (a bundle) or --code (a one-time code)");
            return file is null
                ? CodeAsync(r, id, tagMap, r.GetValue(ttl)!)
                : BundleAsync(r, id, tagMap, Path.GetFullPath(file), r.GetValue(seeds)!, r.GetValue(bundleApi));
        });
        return command;
    }

    private static async Task<int> CodeAsync(ParseResult r, string id, IReadOnlyDictionary<string, string>? tags, string ttlText)
    {
        using var api = ApiClient.From(r);
        var ttl = ParseTtl(ttlText);
        var view = await api.PostAsync<EnrolmentCodeView>("api/v1/enrolments", new EnrolRequest(id, tags, true, (int)ttl.TotalSeconds, null, null));
        Console.WriteLine(r.GetValue(FleetCli.Json) ? JsonSerializer.Serialize(view, FleetJson.Indented)
            : $"enrolment code for {id} (one use, expires {view.ExpiresAt:u}):\n{view.Code}\non the device: fleet-edge enroll --code {view.Code} --api {api.BaseUrl}");
        return 0;
    }

    private static async Task<int> BundleAsync(ParseResult r, string id, IReadOnlyDictionary<string, string>? tags, string path, string[] seedArgs, string? bundleApi)
    {
        using var api = ApiClient.From(r);
        var seeds = seedArgs.Select(s => Fleet.Shared.Cluster.SeedAddress.Parse(s).ToString()).ToList();
        var bundle = await api.PostAsync<EnrolmentBundle>("api/v1/enrolments", new EnrolRequest(id, tags, false, null, seeds, bundleApi));
        PrivateFile.WriteNew(path, bundle.ToJson());
        Console.WriteLine(r.GetValue(FleetCli.Json) ? JsonSerializer.Serialize(new { device_id = id, bundle = path }, FleetJson.Indented)
            : $"enrolment bundle for {id} written to {path} (mode 600, holds the device key: copy it to the device, then delete it)");
        return 0;
    }

    private static TimeSpan ParseTtl(string raw) =>
        Durations.Parse(raw) is { } ttl && ttl > TimeSpan.Zero ? ttl : throw new UsageException($"--ttl '{raw}' is not a duration like 90s, 15m or 24h");
}
