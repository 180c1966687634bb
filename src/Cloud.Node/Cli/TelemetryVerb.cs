using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud telemetry [--device ID] [--campaign ID] [--cohort C] [--since 10m] [--json]</c>.</summary>
public static class TelemetryVerb
{
    public static Command Create()
    {
        var device = CliOption.Text("--device", "only this device", "ID");
        var campaign = CliOption.Text("--campaign", "only this campaign", "ID");
        var cohort = CliOption.Text("--cohort", "only the canary or the baseline of a rollout", "canary|baseline");
        var since = CliOption.Text("--since", "10m", "how far back (30s, 10m, 2h, 7d)", "DURATION");
        var telemetry = new Command("telemetry", "renders, fallbacks, render-time percentiles and CTR per variant") { device, campaign, cohort, since }
            .CallsApi()
            .WithDetails("""
                What devices reported over the last --since: per campaign version the renders, successes, failures, fallback
                rate by reason, p50/p95/p99 render ms (of renders that ran; cache hits are counted, not timed),
                impressions, clicks and CTR per variant.
                """);
        telemetry.SetAction(async (r, _) =>
        {
            var window = r.GetValue(since)!;
            if (Telemetry.TelemetryQuery.ParseSince(window) is null) throw new UsageException($"--since '{window}' is not a duration like 30s, 10m, 2h, 7d");
            var query = new List<string> { "since=" + Uri.EscapeDataString(window) };
            foreach (var (name, option) in new[] { ("device", device), ("campaign", campaign), ("cohort", cohort) })
                if (r.GetValue(option) is { } v) query.Add($"{name}={Uri.EscapeDataString(v)}");
            using var api = ApiClient.From(r);
            var report = await api.GetAsync<TelemetryReport>("api/v1/telemetry?" + string.Join('&', query));
            Console.Write(r.GetValue(FleetCli.Json) ? JsonSerializer.Serialize(report, FleetJson.Indented) + "\n" : Table(report, window));
            return 0;
        });
        return telemetry;
    }

    internal static string Table(TelemetryReport r, string since)
    {
        var sb = new StringBuilder();
        var scope = string.Join(", ", new[] { r.Device is null ? null : $"device {r.Device}", r.Campaign is null ? null : $"campaign {r.Campaign}", r.Cohort is null ? null : $"cohort {r.Cohort}" }.OfType<string>());
        sb.AppendLine($"telemetry over the last {since}{(scope.Length > 0 ? $" ({scope})" : "")}: {r.Devices} device(s) reporting");
        if (r.Campaigns.Count == 0) sb.AppendLine("no renders reported");
        else
        {
            sb.Append(TextTable.Render(
                new[] { "CAMPAIGN", "VERSION", "RENDERS", "OK", "FAILED", "FALLBACK", "P50 MS", "P95 MS", "P99 MS", "IMPR", "CLICKS", "CTR" },
                r.Campaigns.Select(c => (IReadOnlyList<string>)new[]
                {
                    c.CampaignId, Or(c.CampaignVersion), N(c.Renders), N(c.Successes), N(c.Failures), Pct(c.FallbackRate),
                    Ms(c.P50Ms), Ms(c.P95Ms), Ms(c.P99Ms), N(c.Impressions), N(c.Clicks), Pct(c.Ctr),
                })));
            var reasons = r.Campaigns.SelectMany(c => c.FallbackRateByReason.Select(kv => (c, kv.Key, kv.Value))).ToList();
            if (reasons.Count > 0)
            {
                sb.AppendLine().Append(TextTable.Render(new[] { "CAMPAIGN", "FALLBACK REASON", "RATE" },
                    reasons.Select(x => (IReadOnlyList<string>)new[] { x.c.CampaignId, x.Key, Pct(x.Value) })));
            }
            var variants = r.Campaigns.SelectMany(c => c.Variants.Select(v => (c, v))).ToList();
            if (variants.Count > 0)
            {
                sb.AppendLine().Append(TextTable.Render(new[] { "CAMPAIGN", "VARIANT", "RENDERS", "IMPR", "CLICKS", "CTR" },
                    variants.Select(x => (IReadOnlyList<string>)new[] { x.c.CampaignId, x.v.VariantId, N(x.v.Renders), N(x.v.Impressions), N(x.v.Clicks), Pct(x.v.Ctr) })));
            }
        }
        if (r.DroppedRenders > 0) sb.AppendLine($"{r.DroppedRenders} render(s) dropped by full device outboxes (counted as lost, not as data)");
        if (r.QuarantinedAssets > 0) sb.AppendLine($"{r.QuarantinedAssets} stored file(s) failed their sha256 check on devices and were quarantined (fetched again; never rendered)");
        if (r.RejectedBatches > 0)
            sb.AppendLine($"{r.RejectedBatches} upload batch(es) rejected; latest: {r.RecentRejections.LastOrDefault()?.Reason}");
        return sb.ToString();
    }

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
    private static string Or(string s) => s.Length == 0 ? "-" : s;
    private static string Ms(double? v) => v is null ? "-" : v.Value.ToString("0", CultureInfo.InvariantCulture);
    private static string Pct(double? v) => v is null ? "-" : (v.Value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
