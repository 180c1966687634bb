using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Reports;

/// <summary>What one rollup row counts: a measurement arm (<c>personalised</c>, <c>holdout</c>) or a headline/CTA variant.</summary>
public static class ReportSlices
{
    public const string Arm = "arm";
    public const string Variant = "variant";
}

/// <summary>The identity of a rollup row: one hour of one (campaign, campaign version, model version, arm or variant, cohort).</summary>
public sealed record RollupKey(string CampaignId, string CampaignVersion, string ModelVersion, string Slice, string SliceId, DateTimeOffset Hour, string Cohort);

/// <summary>
/// Player outcomes summed over a rollup row. Variants carry no quartiles (the contract counts those per arm only), so
/// their Q25/Q50/Q75 stay 0; arms carry no renders.
/// </summary>
public sealed record RollupCounts(long Renders, long Impressions, long Q25, long Q50, long Q75, long Completes, long Clicks, long DwellMs)
{
    public static readonly RollupCounts Zero = new(0, 0, 0, 0, 0, 0, 0, 0);

    public RollupCounts Plus(RollupCounts o) => new(Renders + o.Renders, Impressions + o.Impressions, Q25 + o.Q25, Q50 + o.Q50,
        Q75 + o.Q75, Completes + o.Completes, Clicks + o.Clicks, DwellMs + o.DwellMs);
}

/// <summary>Pure projection of an accepted aggregate into hourly rollup rows.</summary>
public static class ReportRollup
{
    /// <summary>The hour a period is counted in: the hour its start falls in (UTC).</summary>
    public static DateTimeOffset HourOf(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);

    /// <summary>One row per arm and per variant of every group, summed over templates (reports do not slice by template).</summary>
    public static IEnumerable<(RollupKey Key, RollupCounts Counts)> RowsOf(TelemetryAggregate a, string cohort)
    {
        var hour = HourOf(a.PeriodStart);
        foreach (var g in a.Groups)
        {
            foreach (var arm in g.Arms ?? [])
                yield return (new RollupKey(g.CampaignId, g.CampaignVersion, g.ModelVersion, ReportSlices.Arm, arm.Arm, hour, cohort),
                    new RollupCounts(0, arm.Impressions, arm.Q25, arm.Q50, arm.Q75, arm.Completes, arm.Clicks, arm.DwellMsSum));
            foreach (var v in g.Variants)
                yield return (new RollupKey(g.CampaignId, g.CampaignVersion, g.ModelVersion, ReportSlices.Variant, v.VariantId, hour, cohort),
                    new RollupCounts(v.Renders, v.Impressions, 0, 0, 0, v.Completes, v.Clicks, v.DwellMsSum));
        }
    }

    /// <summary>Rows of many aggregates with equal keys summed, so a group commit writes each key once.</summary>
    public static Dictionary<RollupKey, RollupCounts> Sum(IEnumerable<(RollupKey Key, RollupCounts Counts)> rows)
    {
        var sums = new Dictionary<RollupKey, RollupCounts>();
        foreach (var (k, c) in rows) sums[k] = sums.GetValueOrDefault(k, RollupCounts.Zero).Plus(c);
        return sums;
    }
}
