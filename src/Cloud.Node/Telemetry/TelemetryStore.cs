using System.Collections.Immutable;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Telemetry;

/// <summary>
/// The cloud's telemetry state and its pure rules: what to do with a batch (accept, acknowledge a replay, reject), and
/// how an accepted batch changes the windows. Windows are kept per device with its cohort and tags, holding groups per
/// artifact version, so rollout gates and dashboards can slice by (artifact version, cohort, campaign, device tags).
/// </summary>
public sealed record TelemetryStore(ImmutableDictionary<string, DeviceTelemetry> Devices)
{
    public const int MaxGroupsPerBatch = 1000;
    public const int MaxVariantsPerGroup = 1000;

    public static readonly TelemetryStore Empty = new(ImmutableDictionary<string, DeviceTelemetry>.Empty.WithComparers(StringComparer.Ordinal));

    public abstract record Verdict;
    public sealed record Accept : Verdict;
    public sealed record Duplicate : Verdict;
    public sealed record Reject(string Reason) : Verdict;

    /// <summary>
    /// Decides on a batch from <paramref name="senderDeviceId"/> (the device the sending cluster member belongs to;
    /// null for a local, trusted sender such as a benchmark).
    /// </summary>
    public Verdict Decide(TelemetryProtocol.Batch b, TelemetryAggregate? aggregate, string? senderDeviceId, bool localSender)
    {
        if (!Fleet.Shared.Devices.DeviceId.IsValid(b.DeviceId)) return new Reject("device id is malformed");
        if (!localSender && senderDeviceId != b.DeviceId)
            return new Reject(senderDeviceId is null
                ? $"sender is not a device member of the cluster, yet claims device '{b.DeviceId}'"
                : $"device '{senderDeviceId}' sent a batch claiming device '{b.DeviceId}'");
        if (b.Seq <= 0 || b.Covers.Any(s => s <= 0)) return new Reject($"seq {b.Seq} is not positive");
        var seqs = b.Covers.Append(b.Seq).ToList();
        if (seqs.Distinct().Count() != seqs.Count) return new Reject($"seq {b.Seq} lists a seq twice");
        var mark = Devices.GetValueOrDefault(b.DeviceId)?.Seqs ?? SeqWatermark.None;
        if (seqs.Max() > mark.Contiguous + TelemetryProtocol.MaxSeqAhead)
            return new Reject($"seq {seqs.Max()} is impossibly far ahead of {mark.Contiguous}");
        var known = seqs.Count(mark.Has);
        if (known == seqs.Count) return new Duplicate();
        if (known > 0) return new Reject($"seq {b.Seq} overlaps seqs already stored");
        if (b.Body is null && b.DroppedRenders <= 0) return new Reject($"seq {b.Seq} has neither data nor a drop count");
        if (b.Body is not null && aggregate is null) return new Reject($"seq {b.Seq}: body is not a telemetry aggregate");
        if (b.DroppedRenders < 0) return new Reject($"seq {b.Seq}: negative drop count");
        return aggregate is not null && Malformed(aggregate) is { } why ? new Reject($"seq {b.Seq}: {why}") : new Accept();
    }

    public TelemetryStore Apply(TelemetryEvents.BatchAccepted e)
    {
        var d = Devices.GetValueOrDefault(e.DeviceId) ?? DeviceTelemetry.Empty;
        var windows = e.Aggregate is { } a ? d.Windows.Add(new Window(a.PeriodStart, a.PeriodMinutes, e.Cohort, a.Groups, a.Resources)) : d.Windows;
        var updated = d with
        {
            Seqs = d.Seqs.With(e.Covers.Append(e.Seq)),
            Tags = e.Tags,
            Cohort = e.Cohort,
            Windows = windows,
            DroppedRenders = d.DroppedRenders + e.DroppedRenders,
            QuarantinedAssets = d.QuarantinedAssets + (e.Aggregate?.QuarantinedAssets ?? 0),
        };
        return this with { Devices = Devices.SetItem(e.DeviceId, updated) };
    }

    /// <summary>
    /// Forgets windows that ended before <paramref name="cutoff"/> (sequence marks and drop counts stay), and merges
    /// minute windows that ended before <paramref name="rollUpBefore"/> into one window per hour and cohort, so memory
    /// per device grows by hours, not minutes. Counts are unchanged; only time resolution is lost.
    /// </summary>
    public TelemetryStore Prune(DateTimeOffset cutoff, DateTimeOffset? rollUpBefore = null)
    {
        var devices = Devices;
        foreach (var (id, d) in Devices)
        {
            var kept = d.Windows.RemoveAll(w => w.Start.AddMinutes(w.Minutes) < cutoff);
            if (rollUpBefore is { } before) kept = RollUp(kept, before);
            if (kept != d.Windows) devices = devices.SetItem(id, d with { Windows = kept });
        }
        return this with { Devices = devices };
    }

    private static ImmutableList<Window> RollUp(ImmutableList<Window> windows, DateTimeOffset before)
    {
        bool Old(Window w) => w.Minutes < 60 && w.Start.AddMinutes(w.Minutes) <= before;
        if (windows.Count(Old) < 2) return windows;
        var merged = windows.Where(Old)
            .GroupBy(w => (Hour: new DateTimeOffset(w.Start.UtcTicks - w.Start.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero), w.Cohort))
            .Select(g => new Window(g.Key.Hour, 60, g.Key.Cohort,
                g.SelectMany(w => w.Groups).GroupBy(x => x.Key).Select(x => x.Aggregate(GroupAggregate.Merge)).ToList(),
                g.Select(w => w.Resources).Aggregate((ResourceSummary?)null, ResourceSummary.Merge)));
        return windows.RemoveAll(Old).AddRange(merged);
    }

    /// <summary>Content checks: counts add up, and every string is an identifier (never free text).</summary>
    internal static string? Malformed(TelemetryAggregate a)
    {
        if (a.PeriodMinutes is < 1 or > 1440) return "period is not 1..1440 minutes";
        if (a.QuarantinedAssets < 0) return "negative quarantine count";
        if (a.Groups.Count > MaxGroupsPerBatch) return "too many groups";
        foreach (var g in a.Groups)
        {
            if (g.Renders < 0 || g.Successes < 0 || g.Successes > g.Renders || g.CacheHits < 0 || g.CacheHits > g.Renders || g.FallbackRenders > g.Renders || g.FallbackRenders < 0)
                return "counts do not add up";
            // A device times the renders that ran (not its cache hits); one from before that timed every render is accepted.
            if ((g.RenderMs.Count != g.Renders - g.CacheHits && g.RenderMs.Count != g.Renders) || g.RenderMs.Buckets.Any(kv => kv.Value < 0 || kv.Key is < 0 or > LatencyHistogram.MaxBucket))
                return "render-time histogram does not match the render count";
            if (!Ids(g.CampaignId, g.TemplateId) || !Versions(g.CampaignVersion, g.ModelVersion)) return "an id is not an identifier";
            if (g.Fallbacks.Keys.Any(k => TelemetryText.Reason(k) != k) || g.Encoders.Keys.Any(k => TelemetryText.Id(k) != k)
                || g.StageMsSum.Keys.Any(k => TelemetryText.Id(k) != k))
                return "a fallback, encoder or stage name is not an identifier";
            if (g.Variants.Count > MaxVariantsPerGroup || g.Variants.Any(v => TelemetryText.Id(v.VariantId) != v.VariantId || v.Impressions < 0 || v.Clicks < 0 || v.Renders < 0
                || v.Completes < 0 || v.DwellMsSum < 0))
                return "a variant row is malformed";
            if (g.Learning is { } learning)
            {
                if (learning.Count > Fleet.Shared.Learning.PriorRow.MaxPerGroup) return "too many learning rows";
                if (learning.Select(x => x.Malformed()).FirstOrDefault(m => m is not null) is { } bad) return bad;
                if (learning.Select(x => (x.Bucket, x.VariantId)).Distinct().Count() != learning.Count) return "a learning row is listed twice";
            }
            if (g.Arms is { } arms)
            {
                if (arms.Select(x => x.Arm).Distinct().Count() != arms.Count) return "an arm is listed twice";
                if (arms.Select(x => x.Malformed()).FirstOrDefault(m => m is not null) is { } why) return why;
            }
        }
        return null;
    }

    private static bool Ids(params string[] ids) => ids.All(i => TelemetryText.Id(i) == i);

    private static bool Versions(params string[] vs) => vs.All(v => TelemetryText.Version(v) == v);
}

/// <summary>One device's sequence marks, last known tags and cohort, windows, data it reported as dropped, and stored files it quarantined.</summary>
public sealed record DeviceTelemetry(SeqWatermark Seqs, IReadOnlyDictionary<string, string> Tags, string Cohort, ImmutableList<Window> Windows, long DroppedRenders,
    long QuarantinedAssets = 0)
{
    public static readonly DeviceTelemetry Empty = new(SeqWatermark.None, new Dictionary<string, string>(), CohortResolver.Baseline, ImmutableList<Window>.Empty, 0);
}

/// <summary>What one accepted batch said about one period: its groups and the device's resource readings (CPU, temperature …).</summary>
public sealed record Window(DateTimeOffset Start, int Minutes, string Cohort, IReadOnlyList<GroupAggregate> Groups, ResourceSummary? Resources = null);
