using System.Diagnostics;
using System.Diagnostics.Metrics;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Telemetry;

/// <summary>
/// The device's OpenTelemetry meter, scraped as Prometheus text at the local API's <c>/metrics</c>. Names are
/// Prometheus names in base units (seconds, bytes). The render path records on static instruments with at most two
/// string tags (a stack-only tag list): no allocation per render beyond what the pipeline already made.
/// </summary>
public static class EdgeMetrics
{
    public const string MeterName = "Fleet.Edge";
    public const string ServiceName = "fleet-edge";
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly Meter Meter = new(MeterName, "1.0");
    private static readonly Counter<long> Renders = Meter.CreateCounter<long>("fleet_edge_renders", description: "renders reported to telemetry");
    private static readonly Counter<long> RenderFailures = Meter.CreateCounter<long>("fleet_edge_render_failures", description: "renders that failed");
    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>("fleet_edge_fallbacks", description: "fallbacks by reason");
    private static readonly Histogram<double> RenderSeconds = Meter.CreateHistogram<double>("fleet_edge_render", "s",
        "render time end to end, by path (the encoder chain's choice, cloud, static-creative) and encoder",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    private static readonly Histogram<double> StageSeconds = Meter.CreateHistogram<double>("fleet_edge_render_stage", "s",
        "time in each render stage", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    private static readonly Counter<long> Interactions = Meter.CreateCounter<long>("fleet_edge_interactions", description: "impressions and clicks");
    private static readonly Counter<long> QuarantinedAssets = Meter.CreateCounter<long>("fleet_edge_assets_quarantined",
        description: "stored files (campaign assets, models) that failed their sha256 check and were moved aside");
    private static long _outboxEntries, _outboxBytes, _uploadedBytes;
    private static volatile Func<bool>? _connected;
    private static volatile string? _provider;
    /// <summary>The last temperature reading in °C, as bits (no torn reads); NaN: none yet or the platform has no sensor.</summary>
    private static long _temperatureBits = BitConverter.DoubleToInt64Bits(double.NaN);

    static EdgeMetrics()
    {
        Meter.CreateObservableGauge("fleet_edge_outbox_entries", () => Interlocked.Read(ref _outboxEntries), description: "telemetry batches waiting for upload");
        Meter.CreateObservableGauge("fleet_edge_outbox_bytes", () => Interlocked.Read(ref _outboxBytes), "By", "bytes of telemetry waiting for upload");
        Meter.CreateObservableCounter("fleet_edge_uploaded_bytes", () => Interlocked.Read(ref _uploadedBytes), "By", "telemetry bytes acknowledged by the cloud");
        Meter.CreateObservableGauge("fleet_edge_connected", () => _connected is { } c ? [new Measurement<int>(c() ? 1 : 0)] : Array.Empty<Measurement<int>>(),
            description: "1 while the device is joined to the cloud, 0 while it runs offline");
        Meter.CreateObservableGauge("fleet_edge_model_provider", () => _provider is { } p
                ? [new Measurement<int>(1, new KeyValuePair<string, object?>("provider", p))] : Array.Empty<Measurement<int>>(),
            description: "1 for the ONNX Runtime execution provider the personalisation model runs on (none: the model did not load)");
        Meter.CreateObservableGauge("fleet_edge_temperature_celsius", () => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _temperatureBits)) is var t && !double.IsNaN(t)
                ? [new Measurement<double>(t)] : Array.Empty<Measurement<double>>(),
            description: "the device's last temperature reading, where the platform reports one");
    }

    /// <summary>Where the connection state is read at scrape time.</summary>
    public static void Connection(Func<bool> joined) => _connected = joined;

    public static void Provider(string provider) => _provider = provider;

    public static void Temperature(double? celsius)
    {
        if (celsius is { } c) Interlocked.Exchange(ref _temperatureBits, BitConverter.DoubleToInt64Bits(c));
    }

    /// <summary>One finished render on this device's pipeline; on the render's hot path, so tags go in a stack-only list.</summary>
    public static void Rendered(double totalMs, string path, string encoder, IReadOnlyDictionary<string, double> stageMs)
    {
        var tags = new TagList { { "path", path }, { "encoder", encoder } };
        RenderSeconds.Record(totalMs / 1000, tags);
        // A concrete dictionary is walked without boxing its enumerator.
        if (stageMs is Dictionary<string, double> stages)
            foreach (var (stage, ms) in stages) StageSeconds.Record(ms / 1000, new KeyValuePair<string, object?>("stage", stage));
        else
            foreach (var (stage, ms) in stageMs) StageSeconds.Record(ms / 1000, new KeyValuePair<string, object?>("stage", stage));
    }

    public static void Render(RenderEvent e)
    {
        Renders.Add(1);
        if (!e.Success) RenderFailures.Add(1);
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
