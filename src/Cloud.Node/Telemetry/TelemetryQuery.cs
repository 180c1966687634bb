using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Telemetry;

/// <summary>Pure reporting over the store: filter windows, merge groups per campaign version, compute rates and percentiles.</summary>
public static class TelemetryQuery
{
    public static TelemetryReport Report(TelemetryStore store, TelemetryProtocol.Query q, DateTimeOffset now, long rejected, IReadOnlyList<RejectionView> recent)
    {
        var from = now - TimeSpan.FromSeconds(Math.Max(0, q.SinceSeconds));
        var devices = store.Devices.Where(kv => q.Device is null || kv.Key == q.Device).ToList();
        var groups = new List<GroupAggregate>();
        var reporting = 0;
        foreach (var (_, d) in devices)
        {
            var mine = d.Windows
                .Where(w => w.Start.AddMinutes(w.Minutes) > from && w.Start <= now && (q.Cohort is null || w.Cohort == q.Cohort))
                .SelectMany(w => w.Groups)
                .Where(g => q.Campaign is null || g.CampaignId == q.Campaign)
                .ToList();
            if (mine.Count > 0) reporting++;
            groups.AddRange(mine);
        }
        var campaigns = groups
            .GroupBy(g => (g.CampaignId, g.CampaignVersion))
            .OrderBy(g => g.Key.CampaignId, StringComparer.Ordinal).ThenBy(g => g.Key.CampaignVersion, StringComparer.Ordinal)
            .Select(g => Campaign(g.Key.CampaignId, g.Key.CampaignVersion, g.Select(x => x with { ModelVersion = "", TemplateId = "" }).Aggregate(GroupAggregate.Merge)))
            .ToList();
        return new TelemetryReport(from, now, q.Device, q.Campaign, q.Cohort, reporting, campaigns,
            devices.Sum(kv => kv.Value.DroppedRenders), rejected, recent, devices.Sum(kv => kv.Value.QuarantinedAssets),
            q.Device is null ? null : Periods(devices.SingleOrDefault().Value, q, from, now));
    }

    /// <summary>
    /// One device's periods in the window, oldest first: a device that seals partial minutes sends several batches for
    /// one minute, merged here into one point. Renders count every campaign (the campaign filter applies to totals only).
    /// </summary>
    private static List<DevicePeriod> Periods(DeviceTelemetry? d, TelemetryProtocol.Query q, DateTimeOffset from, DateTimeOffset now) => d is null ? [] : d.Windows
        .Where(w => w.Start.AddMinutes(w.Minutes) > from && w.Start <= now && (q.Cohort is null || w.Cohort == q.Cohort))
        .GroupBy(w => (w.Start, w.Minutes))
        .OrderBy(g => g.Key.Start)
        .Select(g => new DevicePeriod(g.Key.Start, g.Key.Minutes, g.Sum(w => w.Groups.Sum(x => x.Renders)),
            g.Select(w => w.Resources).Aggregate((ResourceSummary?)null, ResourceSummary.Merge)))
        .ToList();

    public static TelemetryProtocol.HealthReply Health(TelemetryStore store, TelemetryProtocol.HealthQuery q)
    {
        IEnumerable<GroupAggregate> Groups(IEnumerable<string> devices) => devices
            .Select(id => store.Devices.GetValueOrDefault(id)).OfType<DeviceTelemetry>()
            .SelectMany(d => d.Windows.Where(w => w.Start.AddMinutes(w.Minutes) > q.Since).SelectMany(w => w.Groups))
            .Where(g => q.CampaignId is null || g.CampaignId == q.CampaignId);
        var canary = Groups(q.Canary).Where(g => (q.CanaryCampaignVersion is null || g.CampaignVersion == q.CanaryCampaignVersion)
                                                  && (q.CanaryModel is null || g.ModelVersion == q.CanaryModel));
        return new TelemetryProtocol.HealthReply(Window(canary), Window(Groups(q.Baseline)));
    }

    private static Fleet.Shared.Rollouts.HealthWindow Window(IEnumerable<GroupAggregate> groups)
    {
        var list = groups.ToList();
        if (list.Count == 0) return Fleet.Shared.Rollouts.HealthWindow.Empty;
        var g = list.Aggregate(GroupAggregate.Merge);
        return new Fleet.Shared.Rollouts.HealthWindow(g.Renders, g.Successes, g.FallbackRenders, g.SafetyBlocks, 0, g.RenderMs.Quantile(0.95), g.RenderMs.Count);
    }

    private static CampaignReport Campaign(string id, string version, GroupAggregate g)
    {
        double Rate(long n) => g.Renders == 0 ? 0 : Math.Round((double)n / g.Renders, 4);
        var impressions = g.Variants.Sum(v => v.Impressions);
        var clicks = g.Variants.Sum(v => v.Clicks);
        return new CampaignReport(id, version, g.Renders, g.Successes, g.Failures, g.CacheHits, g.FallbackRenders, g.SafetyBlocks,
            Rate(g.FallbackRenders),
            g.Fallbacks.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => Rate(kv.Value)),
            Round(g.RenderMs.Quantile(0.50)), Round(g.RenderMs.Quantile(0.95)), Round(g.RenderMs.Quantile(0.99)),
            impressions, clicks, Ctr(clicks, impressions),
            g.Variants.Select(v => new VariantReport(v.VariantId, v.Renders, v.Impressions, v.Clicks, Ctr(v.Clicks, v.Impressions))).ToList());
    }

    private static double? Ctr(long clicks, long impressions) => impressions == 0 ? null : Math.Round((double)clicks / impressions, 4);

    private static double? Round(double? v) => v is null ? null : Math.Round(v.Value, 1);

    /// <summary>A report window: <see cref="Durations"/> syntax, ten minutes when not given.</summary>
    public static TimeSpan? ParseSince(string? s) => string.IsNullOrWhiteSpace(s) ? TimeSpan.FromMinutes(10) : Durations.Parse(s);
}
