using System.Diagnostics.Metrics;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Telemetry;

/// <summary>
/// The cloud's OpenTelemetry meter, scraped as Prometheus text at <c>/metrics</c>, and the telemetry ingest's
/// instruments. Each area keeps its own instruments beside its code (DeviceMetrics, KillMetrics, RolloutMetrics,
/// RenderMetrics, GatewayMetrics); names are Prometheus names in base units (seconds, bytes), so the exporter adds only
/// <c>_total</c> and the unit suffix.
/// </summary>
public static class CloudMetrics
{
    public const string MeterName = "Fleet.Cloud";
    public const string ServiceName = "fleet-cloud";

    public static readonly Meter Meter = new(MeterName, "1.0");
    private static readonly Counter<long> Batches = Meter.CreateCounter<long>("fleet_telemetry_batches", description: "device telemetry batches by result");
    private static readonly Counter<long> Renders = Meter.CreateCounter<long>("fleet_telemetry_renders", description: "renders reported by devices");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("fleet_telemetry_render_failures", description: "failed renders reported by devices");
    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>("fleet_telemetry_fallbacks", description: "fallbacks reported by devices, by reason");
    private static readonly Counter<long> Impressions = Meter.CreateCounter<long>("fleet_telemetry_impressions", description: "impressions reported by devices");
    private static readonly Counter<long> Clicks = Meter.CreateCounter<long>("fleet_telemetry_clicks", description: "clicks reported by devices");
    private static readonly Histogram<double> Lag = Meter.CreateHistogram<double>("fleet_telemetry_ingest_lag", "s",
        "how long after its period ended a device's telemetry batch was accepted (an outbox that waited offline shows here)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 60, 120, 300, 900, 3600, 14400, 86400] });

    public static void Batch(string result) => Batches.Add(1, new KeyValuePair<string, object?>("result", result));

    public static void Ingested(TelemetryAggregate? a, DateTimeOffset acceptedAt)
    {
        if (a is null) return;
        Lag.Record(Math.Max(0, (acceptedAt - a.PeriodStart.AddMinutes(a.PeriodMinutes)).TotalSeconds));
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
