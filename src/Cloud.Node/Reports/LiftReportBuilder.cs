using System.Globalization;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Reports;

/// <summary>Summed rollup rows of one campaign version, model version and arm or variant (what <see cref="ReportStore.Read"/> returns).</summary>
public sealed record ReportRow(string CampaignVersion, string ModelVersion, string Slice, string SliceId, RollupCounts Counts);

/// <summary>Pure: rows → <see cref="CampaignLiftReport"/>.</summary>
public static class LiftReportBuilder
{
    /// <summary>The relative lift a sample must be able to detect before it counts as large enough (10 %).</summary>
    public const double DefaultMinimumDetectableLift = 0.10;

    public const string NoHoldout = "no holdout impressions yet";
    public const string NoPersonalised = "no personalised impressions yet";

    public static CampaignLiftReport Build(string campaignId, DateTimeOffset from, DateTimeOffset to, IEnumerable<ReportRow> rows,
        double mde = DefaultMinimumDetectableLift)
    {
        var versions = rows.GroupBy(r => r.CampaignVersion)
            .OrderBy(g => VersionOrder(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Version(g.Key, g.ToList(), mde)).ToList();
        return new CampaignLiftReport(campaignId, from, to, mde, versions);
    }

    private static VersionLift Version(string version, List<ReportRow> rows, double mde)
    {
        List<OutcomeRates> Slice(string slice) => rows.Where(r => r.Slice == slice).GroupBy(r => r.SliceId)
            .Select(g => Rates(g.Key, g.Select(r => r.Counts).Aggregate(RollupCounts.Zero, (a, b) => a.Plus(b)), slice == ReportSlices.Arm))
            .OrderBy(r => ArmOrder(r.Id)).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        var arms = Slice(ReportSlices.Arm);
        var personalised = arms.FirstOrDefault(a => a.Id == ArmCounts.Personalised);
        var holdout = arms.FirstOrDefault(a => a.Id == ArmCounts.Holdout);
        var models = rows.Select(r => r.ModelVersion).Distinct().Order(StringComparer.Ordinal).ToList();
        return new VersionLift(version, models, arms, Slice(ReportSlices.Variant),
            Lift("ctr", personalised, holdout, a => a.Clicks, mde), Lift("vtr", personalised, holdout, a => a.Completes, mde));
    }

    private static OutcomeRates Rates(string id, RollupCounts c, bool quartiles)
    {
        double? Per(long x) => c.Impressions == 0 ? null : Math.Round((double)x / c.Impressions, 6);
        return new OutcomeRates(id, c.Renders, c.Impressions, c.Clicks, c.Completes, Per(c.Clicks), Per(c.Completes),
            c.Impressions == 0 ? null : Math.Round((double)c.DwellMs / c.Impressions, 1),
            quartiles ? Per(c.Q25) : null, quartiles ? Per(c.Q50) : null, quartiles ? Per(c.Q75) : null);
    }

    /// <summary>Personalised (arm 1) against holdout (arm 0) for one outcome.</summary>
    public static MetricLift Lift(string metric, OutcomeRates? personalised, OutcomeRates? holdout, Func<OutcomeRates, long> successes, double mde)
    {
        long n1 = personalised?.Impressions ?? 0, n0 = holdout?.Impressions ?? 0;
        long k1 = personalised is null ? 0 : successes(personalised), k0 = holdout is null ? 0 : successes(holdout);
        double? p1 = n1 == 0 ? null : (double)k1 / n1, p0 = n0 == 0 ? null : (double)k0 / n0;
        // Size the sample from the holdout's rate (the baseline); before the holdout has any success, from both arms pooled.
        var baseline = k0 > 0 ? p0 : n1 + n0 == 0 ? null : (double)(k1 + k0) / (n1 + n0);
        var needed = baseline is { } b ? LiftStatistics.SampleSizePerArm(b, mde) : null;
        var more = needed is { } n ? Math.Max(0, n - Math.Min(n1, n0)) : (long?)null;
        var sample = needed is null
            ? $"no {metric} successes yet: the sample cannot be sized"
            : more > 0 ? $"needs ~{more.Value.ToString("N0", CultureInfo.InvariantCulture)} more impressions per arm"
            : $"large enough: {Math.Min(n1, n0).ToString("N0", CultureInfo.InvariantCulture)} per arm detects a {mde:0%} relative lift";
        if (n0 == 0 || n1 == 0)
            return new MetricLift(metric, R(p1), R(p0), null, null, null, null, null, null, false, n0 == 0 ? NoHoldout : NoPersonalised, needed, more, sample);
        var (lift, rel) = LiftStatistics.RelativeLift(k1, n1, k0, n0);
        var diff = LiftStatistics.Difference(k1, n1, k0, n0);
        var significant = diff.Excludes(0);
        var verdict = !significant ? "no significant difference" : diff.Low > 0 ? "personalised beats holdout" : "holdout beats personalised";
        return new MetricLift(metric, R(p1), R(p0), R(lift), R(rel.Low), R(rel.High), R(p1 - p0), R(diff.Low), R(diff.High),
            significant, verdict, needed, more, sample);
    }

    private static double? R(double? v) => v is null ? null : Math.Round(v.Value, 6);

    private static int ArmOrder(string id) => id == ArmCounts.Personalised ? 0 : id == ArmCounts.Holdout ? 1 : 2;

    private static long VersionOrder(string v) => long.TryParse(v, out var n) ? n : long.MaxValue;
}
