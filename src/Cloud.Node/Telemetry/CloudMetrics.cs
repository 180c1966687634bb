using System.Diagnostics.Metrics;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Telemetry;

/// <summary>The cloud's OpenTelemetry meter, scraped as Prometheus text at <c>/metrics</c>.</summary>
public static class CloudMetrics
{
    public const string MeterName = "Fleet.Cloud";

    private static readonly Meter Meter = new(MeterName, "1.0");
    private static readonly Counter<long> Batches = Meter.CreateCounter<long>("fleet_telemetry_batches", description: "device telemetry batches by result");
    private static readonly Counter<long> Renders = Meter.CreateCounter<long>("fleet_telemetry_renders", description: "renders reported by devices");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("fleet_telemetry_render_failures", description: "failed renders reported by devices");
    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>("fleet_telemetry_fallbacks", description: "fallbacks reported by devices, by reason");
    private static readonly Counter<long> Impressions = Meter.CreateCounter<long>("fleet_telemetry_impressions", description: "impressions reported by devices");
    private static readonly Counter<long> Clicks = Meter.CreateCounter<long>("fleet_telemetry_clicks", description: "clicks reported by devices");

    public static void Batch(string result) => Batches.Add(1, new KeyValuePair<string, object?>("result", result));

    public static void Ingested(TelemetryAggregate? a)
    {
        if (a is null) return;
        foreach (var g in a.Groups)
        {
            var campaign = new KeyValuePair<string, object?>("campaign", g.CampaignId);
            Renders.Add(g.Renders, campaign);
            Failures.Add(g.Failures, campaign);
            foreach (var (reason, n) in g.Fallbacks) Fallbacks.Add(n, new KeyValuePair<string, object?>("reason", reason));
            Impressions.Add(g.Variants.Sum(v => v.Impressions), campaign);
            Clicks.Add(g.Variants.Sum(v => v.Clicks), campaign);
        }
    }
}
