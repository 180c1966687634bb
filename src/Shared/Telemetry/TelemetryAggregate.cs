using Fleet.Shared.Serialization;

namespace Fleet.Shared.Telemetry;

/// <summary>Everything a device says about one period (a minute, or an hour roll-up): per-group counts and resources.</summary>
/// <param name="QuarantinedAssets">Stored files (campaign assets, models) that failed their sha256 check in the period and were moved aside.</param>
public sealed record TelemetryAggregate(
    DateTimeOffset PeriodStart,
    int PeriodMinutes,
    IReadOnlyList<GroupAggregate> Groups,
    ResourceSummary? Resources,
    int SuppressedRows,
    int QuarantinedAssets = 0)
{
    public long Renders => Groups.Sum(g => g.Renders);

    /// <summary>Rolls periods up into one (e.g. the minutes of an hour when the outbox is full).</summary>
    public static TelemetryAggregate Merge(IReadOnlyList<TelemetryAggregate> parts, DateTimeOffset start, int minutes) => new(
        start, minutes,
        parts.SelectMany(p => p.Groups).GroupBy(g => g.Key).Select(g => g.Aggregate(GroupAggregate.Merge)).ToList(),
        parts.Select(p => p.Resources).Aggregate((ResourceSummary?)null, ResourceSummary.Merge),
        parts.Sum(p => p.SuppressedRows),
        parts.Sum(p => p.QuarantinedAssets));
}

/// <summary>Counts for one (campaign, campaign version, model version, template): the artifact versions a rollout gates on.</summary>
/// <param name="RenderMs">The times of the renders that ran the pipeline, <c>Renders - CacheHits</c> of them: a cache hit is counted, not timed.</param>
/// <param name="Learning">
/// What the fleet prior learns from: per (context bucket, copy variant) the impression starts, clicks and completes of
/// personalised renders (never holdout ones), k-anonymous like the variant rows; bucket keys are place/time only.
/// </param>
public sealed record GroupAggregate(
    string CampaignId,
    string CampaignVersion,
    string ModelVersion,
    string TemplateId,
    long Renders,
    long Successes,
    long CacheHits,
    long FallbackRenders,
    long SafetyBlocks,
    double AudioSeconds,
    IReadOnlyDictionary<string, long> Fallbacks,
    IReadOnlyDictionary<string, long> Encoders,
    IReadOnlyDictionary<string, double> StageMsSum,
    LatencyHistogram RenderMs,
    IReadOnlyList<VariantCounts> Variants,
    long? DistinctUsers,
    IReadOnlyList<ArmCounts>? Arms = null,
    IReadOnlyList<Fleet.Shared.Learning.PriorRow>? Learning = null)
{
    public (string, string, string, string) Key => (CampaignId, CampaignVersion, ModelVersion, TemplateId);

    public long Failures => Renders - Successes;

    /// <summary>Sums two groups with the same key; distinct users cannot be summed and become unknown.</summary>
    public static GroupAggregate Merge(GroupAggregate a, GroupAggregate b) => a with
    {
        Renders = a.Renders + b.Renders,
        Successes = a.Successes + b.Successes,
        CacheHits = a.CacheHits + b.CacheHits,
        FallbackRenders = a.FallbackRenders + b.FallbackRenders,
        SafetyBlocks = a.SafetyBlocks + b.SafetyBlocks,
        AudioSeconds = a.AudioSeconds + b.AudioSeconds,
        Fallbacks = Sum(a.Fallbacks, b.Fallbacks),
        Encoders = Sum(a.Encoders, b.Encoders),
        StageMsSum = Sum(a.StageMsSum, b.StageMsSum),
        RenderMs = LatencyHistogram.Merge(a.RenderMs, b.RenderMs),
        Variants = a.Variants.Concat(b.Variants).GroupBy(v => v.VariantId).Select(g => g.Aggregate(VariantCounts.Merge)).OrderBy(v => v.VariantId, StringComparer.Ordinal).ToList(),
        DistinctUsers = null,
        Arms = ArmCounts.MergeAll(a.Arms, b.Arms),
        Learning = MergeLearning(a.Learning, b.Learning),
    };

    /// <summary>Sums learning rows by (bucket, variant) without any cap (the cap belongs to the prior, not to counts).</summary>
    public static IReadOnlyList<Fleet.Shared.Learning.PriorRow>? MergeLearning(IReadOnlyList<Fleet.Shared.Learning.PriorRow>? a, IReadOnlyList<Fleet.Shared.Learning.PriorRow>? b)
    {
        if (a is null || b is null) return a ?? b;
        return Fleet.Shared.Learning.FleetPriors.Merge(a.Concat(b), long.MaxValue);
    }

    internal static Dictionary<string, long> Sum(IReadOnlyDictionary<string, long> a, IReadOnlyDictionary<string, long> b)
    {
        var m = new Dictionary<string, long>(a);
        foreach (var (k, v) in b) m[k] = m.GetValueOrDefault(k) + v;
        return m;
    }

    internal static Dictionary<string, double> Sum(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b)
    {
        var m = new Dictionary<string, double>(a);
        foreach (var (k, v) in b) m[k] = m.GetValueOrDefault(k) + v;
        return m;
    }
}

/// <summary>
/// Per-variant counts (a headline or CTA variant id); <see cref="DistinctUsers"/> is only sent when it is at least k.
/// Player events credit the variants of the exact render shown: <see cref="Impressions"/> (impression starts),
/// <see cref="Completes"/> (views to the end), <see cref="Clicks"/> (clicks or scans, at most one per impression) and
/// <see cref="DwellMsSum"/> (engagement time).
/// </summary>
public sealed record VariantCounts(string VariantId, long Renders, long Impressions, long Clicks, long? DistinctUsers,
    long Completes = 0, long DwellMsSum = 0)
{
    public static VariantCounts Merge(VariantCounts a, VariantCounts b) =>
        new(a.VariantId, a.Renders + b.Renders, a.Impressions + b.Impressions, a.Clicks + b.Clicks, null,
            a.Completes + b.Completes, a.DwellMsSum + b.DwellMsSum);
}

/// <summary>
/// Player outcomes of one measurement arm of a group: <see cref="ArmCounts.Personalised"/> impressions showed the
/// chosen copy, <see cref="ArmCounts.Holdout"/> ones the campaign's static creative. Quartiles count impressions that
/// reached 25/50/75 % of the ad; <see cref="Completes"/> those that reached the end (view-through); <see cref="Clicks"/>
/// clicks or scans, at most one per impression. Every count is at most <see cref="Impressions"/>.
/// </summary>
public sealed record ArmCounts(string Arm, long Impressions, long Q25, long Q50, long Q75, long Completes, long Clicks, long DwellMsSum)
{
    public const string Personalised = "personalised";
    public const string Holdout = "holdout";
    public static readonly IReadOnlyList<string> Names = [Personalised, Holdout];

    public static ArmCounts Zero(string arm) => new(arm, 0, 0, 0, 0, 0, 0, 0);

    public static ArmCounts Merge(ArmCounts a, ArmCounts b) => new(a.Arm, a.Impressions + b.Impressions, a.Q25 + b.Q25, a.Q50 + b.Q50,
        a.Q75 + b.Q75, a.Completes + b.Completes, a.Clicks + b.Clicks, a.DwellMsSum + b.DwellMsSum);

    /// <summary>One row per arm, in <see cref="Names"/> order; null when neither side has any.</summary>
    public static IReadOnlyList<ArmCounts>? MergeAll(IReadOnlyList<ArmCounts>? a, IReadOnlyList<ArmCounts>? b)
    {
        if (a is null || b is null) return a ?? b;
        return a.Concat(b).GroupBy(x => x.Arm).Select(g => g.Aggregate(Merge))
            .OrderBy(x => Names.ToList().IndexOf(x.Arm)).ThenBy(x => x.Arm, StringComparer.Ordinal).ToList();
    }

    /// <summary>Null when the row is well formed; otherwise why not.</summary>
    public string? Malformed()
    {
        if (!Names.Contains(Arm)) return $"arm '{Arm}' is not one of {string.Join(", ", Names)}";
        if (Impressions < 0 || DwellMsSum < 0 || new[] { Q25, Q50, Q75, Completes, Clicks }.Any(c => c < 0 || c > Impressions))
            return $"arm '{Arm}' counts do not add up";
        return null;
    }
}

/// <summary>Resource readings over a period: averages and peaks.</summary>
public sealed record ResourceSummary(
    int Samples, double? CpuPercentAvg, double? CpuPercentMax, double? MemoryUsedMbMax, double? ProcessRssMbMax,
    double? TemperatureCMax, double? NpuPercentAvg) : IFleetProtocol
{
    public static ResourceSummary? Merge(ResourceSummary? a, ResourceSummary? b)
    {
        if (a is null || b is null) return a ?? b;
        var n = a.Samples + b.Samples;
        return new ResourceSummary(n, Avg(a.CpuPercentAvg, a.Samples, b.CpuPercentAvg, b.Samples), Max(a.CpuPercentMax, b.CpuPercentMax),
            Max(a.MemoryUsedMbMax, b.MemoryUsedMbMax), Max(a.ProcessRssMbMax, b.ProcessRssMbMax), Max(a.TemperatureCMax, b.TemperatureCMax),
            Avg(a.NpuPercentAvg, a.Samples, b.NpuPercentAvg, b.Samples));
    }

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static double? Avg(double? a, int na, double? b, int nb) =>
        a is null ? b : b is null ? a : (a.Value * na + b.Value * nb) / Math.Max(1, na + nb);
}
