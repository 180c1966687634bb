using System.Diagnostics.Metrics;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Telemetry;

/// <summary>The device's OpenTelemetry meter, scraped as Prometheus text at the local API's <c>/metrics</c>.</summary>
public static class EdgeMetrics
{
    public const string MeterName = "Fleet.Edge";

    private static readonly Meter Meter = new(MeterName, "1.0");
    private static readonly Counter<long> Renders = Meter.CreateCounter<long>("fleet_edge_renders", description: "renders reported to telemetry");
    private static readonly Counter<long> RenderFailures = Meter.CreateCounter<long>("fleet_edge_render_failures", description: "renders that failed");
    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>("fleet_edge_fallbacks", description: "fallbacks by reason");
    private static readonly Histogram<double> RenderMs = Meter.CreateHistogram<double>("fleet_edge_render_ms", "ms", "render time end to end");
    private static readonly Counter<long> Interactions = Meter.CreateCounter<long>("fleet_edge_interactions", description: "impressions and clicks");
    private static readonly Counter<long> QuarantinedAssets = Meter.CreateCounter<long>("fleet_edge_assets_quarantined",
        description: "stored files (campaign assets, models) that failed their sha256 check and were moved aside");
    private static long _outboxEntries, _outboxBytes, _uploadedBytes;

    static EdgeMetrics()
    {
        Meter.CreateObservableGauge("fleet_edge_outbox_entries", () => Interlocked.Read(ref _outboxEntries), description: "telemetry batches waiting for upload");
        Meter.CreateObservableGauge("fleet_edge_outbox_bytes", () => Interlocked.Read(ref _outboxBytes), "By", "bytes of telemetry waiting for upload");
        Meter.CreateObservableCounter("fleet_edge_uploaded_bytes", () => Interlocked.Read(ref _uploadedBytes), "By", "telemetry bytes acknowledged by the cloud");
    }

    public static void Render(RenderEvent e)
    {
        Renders.Add(1);
        if (!e.Success) RenderFailures.Add(1);
        RenderMs.Record(e.TotalMs);
        foreach (var f in e.Fallbacks) Fallbacks.Add(1, new KeyValuePair<string, object?>("reason", TelemetryText.Reason(f)));
    }

    public static void Interaction(InteractionKind kind) =>
        Interactions.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString().ToLowerInvariant()));

    public static void PlayerEvents(IEnumerable<string> slots)
    {
        foreach (var slot in slots) Interactions.Add(1, new KeyValuePair<string, object?>("kind", slot));
    }

    public static void Quarantined() => QuarantinedAssets.Add(1);

    public static void Outbox(int entries, long bytes)
    {
        Interlocked.Exchange(ref _outboxEntries, entries);
        Interlocked.Exchange(ref _outboxBytes, bytes);
    }

    public static void Uploaded(long bytes) => Interlocked.Add(ref _uploadedBytes, bytes);
}
