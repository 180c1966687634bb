using System.CommandLine;
using System.Globalization;
using System.Text;
using Fleet.Cloud.Api;
using Fleet.Cloud.Reports;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud report campaign ID [--since 7d] [--version V]</c>: does personalisation beat the static creative?</summary>
public static class ReportVerb
{
    public static Command Create()
    {
        var id = new Argument<string>("ID") { Description = "the campaign id" };
        var since = CliOption.Text("--since", ReportEndpoints.DefaultSince, "the window: outcomes reported over the last 90m, 12h, 7d (at least 1m)", "DURATION");
        var version = CliOption.Text("--version", "only this campaign version (default: every version in the window)", "V");
        var campaign = new Command("campaign", "personalised vs holdout for one campaign, per version, with lift and 95 % intervals") { id, since, version }
            .WithDetails("""
                Player outcomes the devices reported over the last --since (kept for the cloud's --report-retention), per
                campaign version: for each arm (personalised; holdout = the static creative) and each headline/CTA variant
                the impressions, CTR (clicks/impressions), VTR (completes/impressions), mean engagement (dwell ms per
                impression) and quartile reach; then the lift of personalised over holdout for CTR and VTR: relative lift
                with a 95 % log-ratio (delta-method) interval and the absolute difference with a 95 % Newcombe interval,
                and whether the sample is large enough to detect a 10 % relative lift (5 % two-sided, 80 % power at the
                holdout's rate), else about how many more impressions per arm it needs.
                """);
        campaign.SetAction((r, _) => RunAsync(r, r.GetValue(id)!, r.GetValue(since)!, r.GetValue(version)));
        return new Command("report", "personalised vs holdout per campaign version: CTR, VTR, engagement, lift with 95 % intervals") { campaign }.CallsApi();
    }

    private static async Task<int> RunAsync(ParseResult r, string id, string since, string? version)
    {
        IdArguments.Parse<Fleet.Shared.Campaigns.CampaignId>(id);
        if (ReportEndpoints.ParseSince(since) is null) throw new UsageException("--" + ReportEndpoints.SinceError(since));
        var query = "?since=" + Uri.EscapeDataString(since) + (version is { } v ? "&version=" + Uri.EscapeDataString(v) : "");
        using var api = ApiClient.From(r);
        var report = await api.GetAsync<CampaignLiftReport>($"api/v1/reports/campaigns/{Uri.EscapeDataString(id)}{query}");
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(report) : Table(report, since));
        return 0;
    }

    internal static string Table(CampaignLiftReport r, string since)
    {
        var sb = new StringBuilder($"campaign {r.CampaignId}: player outcomes over the last {since}\n");
        if (r.Versions.Count == 0) return sb.AppendLine("no impressions reported yet").ToString();
        foreach (var v in r.Versions)
        {
            sb.AppendLine().AppendLine($"version {v.CampaignVersion} (model {string.Join(", ", v.ModelVersions)})");
            sb.Append(TextTable.Render(["ARM", "IMPR", "CTR", "VTR", "ENGAGE MS", "Q25", "Q50", "Q75"],
                v.Arms.Select(x => (IReadOnlyList<string>)[x.Id, N(x.Impressions), Pct(x.Ctr), Pct(x.Vtr), Ms(x.MeanEngagementMs), Pct(x.Q25Reach), Pct(x.Q50Reach), Pct(x.Q75Reach)])));
            if (v.Variants.Count > 0)
                sb.AppendLine().Append(TextTable.Render(["VARIANT", "RENDERS", "IMPR", "CTR", "VTR", "ENGAGE MS"],
                    v.Variants.Select(x => (IReadOnlyList<string>)[x.Id, N(x.Renders), N(x.Impressions), Pct(x.Ctr), Pct(x.Vtr), Ms(x.MeanEngagementMs)])));
            sb.AppendLine().Append(TextTable.Render(["LIFT", "PERSONALISED", "HOLDOUT", "RELATIVE (95% CI)", "DIFFERENCE (95% CI)", "VERDICT", "SAMPLE"],
                new[] { v.Ctr, v.Vtr }.Select(l => (IReadOnlyList<string>)[l.Metric.ToUpperInvariant(), Pct(l.Personalised), Pct(l.Holdout),
                    l.RelativeLift is null ? "-" : $"{Signed(l.RelativeLift)} ({Signed(l.RelativeLow)} .. {Signed(l.RelativeHigh)})",
                    l.Difference is null ? "-" : $"{Signed(l.Difference, "pt")} ({Signed(l.DifferenceLow, "pt")} .. {Signed(l.DifferenceHigh, "pt")})",
                    l.Verdict, l.Sample])));
        }
        return sb.ToString();
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
    private static string Ms(double? v) => v is null ? "-" : v.Value.ToString("0", CultureInfo.InvariantCulture);
    private static string Pct(double? v) => v is null ? "-" : (v.Value * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";
    private static string Signed(double? v, string unit = "%") =>
        v is null ? "-" : (v.Value * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) + unit;
}
