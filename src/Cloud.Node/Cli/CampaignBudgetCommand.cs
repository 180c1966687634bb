using System.CommandLine;
using System.Globalization;
using Fleet.Cloud.Renders;
using Fleet.Shared.RenderJobs;

namespace Fleet.Cloud.Cli;

/// <summary>
/// <c>fleet-cloud campaign budget ID [--renders-per-day N] [--render-seconds-per-day S] [--device-jobs N]</c>: the cloud
/// render budget per UTC day and the unfinished cloud renders each device may have.
/// </summary>
internal static class CampaignBudgetCommand
{
    public static Command Create()
    {
        var renders = CliOption.Text("--renders-per-day", "cloud renders per UTC day (0 refuses all, 'none' lifts the limit)", "N");
        var seconds = CliOption.Text("--render-seconds-per-day", "cloud render seconds per UTC day (0 refuses all, 'none' lifts the limit)", "S");
        var deviceJobs = CliOption.OptionalInt("--device-jobs", $"unfinished cloud renders per device (default {RenderLedger.DefaultDeviceJobs})", 1, 1000, "concurrent renders");
        return new Command("budget", "set a campaign's cloud render budget per UTC day and unfinished renders per device") { renders, seconds, deviceJobs }
            .OnCampaign(async (r, api, id) =>
            {
                var (perDay, secondsPerDay, jobs) = (r.GetValue(renders), r.GetValue(seconds), r.GetValue(deviceJobs));
                if (perDay is null && secondsPerDay is null && jobs is null)
                    throw new UsageException("campaign budget needs --renders-per-day N, --render-seconds-per-day S and/or --device-jobs N");
                var usage = await api.PostAsync<RenderUsageView>($"api/v1/campaigns/{Uri.EscapeDataString(id)}/budget",
                    new RenderJobEndpoints.BudgetRequest(Limit(perDay, "--renders-per-day", int.Parse), Limit(secondsPerDay, "--render-seconds-per-day", double.Parse), jobs));
                Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(usage) : $"{usage.CampaignId}: {RendersVerb.Budget(usage)}\n");
                return 0;
            });
    }

    /// <summary>A budget flag: a non-negative number; <c>none</c> (or leaving the flag out) means no limit.</summary>
    private static T? Limit<T>(string? raw, string flag, Func<string, NumberStyles, IFormatProvider, T> parse) where T : struct, IComparable<T>
    {
        if (raw is null || raw == "none") return null;
        try
        {
            var v = parse(raw, NumberStyles.Number, CultureInfo.InvariantCulture);
            return v.CompareTo(default) >= 0 ? v : throw new UsageException($"{flag} cannot be negative");
        }
        catch (FormatException) { throw new UsageException($"{flag} '{raw}' is not a number (or 'none')"); }
        catch (OverflowException) { throw new UsageException($"{flag} '{raw}' is too large"); }
    }
}
