namespace Fleet.Shared.Telemetry;

/// <summary>Deterministic, realistic-looking telemetry for benchmarks, tests and demos (no randomness without a seed).</summary>
public static class SyntheticTelemetry
{
    private static readonly string[] Reasons = ["personalise:default-copy:model-missing", "composite:static-creative:ffmpeg-missing", "speech:captions-only:engine-failed"];

    /// <summary>The i-th synthetic render: mostly successes around 250 ms, every 7th with a fallback, every 13th failed.</summary>
    public static RenderEvent Render(int i, string campaignId = "summer-sale", string? userHash = null, DateTimeOffset? at = null)
    {
        var total = 180 + (i * 37 % 240);
        return new RenderEvent(campaignId, "3", "minilm@1.0.0", "kiosk-portrait", $"h{i % 3}", $"c{i % 2}",
            new Dictionary<string, double> { ["personalise"] = 8 + i % 5, ["speech"] = 20 + i % 9, ["composite"] = total - 40 },
            total, CacheHit: i % 10 == 0, Fallbacks: i % 7 == 0 ? [Reasons[i % Reasons.Length]] : [], SafetyBlocks: i % 11 == 0 ? 1 : 0,
            Success: i % 13 != 0, AudioSeconds: 2.5, Encoder: "libx264", UserHash: userHash, At: at);
    }

    /// <summary>A one-minute aggregate as a device would upload it after <paramref name="renders"/> renders.</summary>
    public static TelemetryAggregate Minute(DateTimeOffset start, int renders, string campaignId = "summer-sale")
    {
        var hist = LatencyHistogram.Empty;
        for (var i = 0; i < renders; i++) hist = hist.Add(180 + (i * 37 % 240));
        var group = new GroupAggregate(campaignId, "3", "minilm@1.0.0", "kiosk-portrait", renders, renders, 0, 0, 0, renders * 2.5,
            new Dictionary<string, long>(), new Dictionary<string, long> { ["libx264"] = renders },
            new Dictionary<string, double> { ["personalise"] = 9.0 * renders, ["composite"] = 200.0 * renders }, hist,
            [new VariantCounts("h0", renders, renders, 0, null), new VariantCounts("c0", renders, renders, renders > 2 ? 1 : 0, null)], null);
        return new TelemetryAggregate(start, 1, [group], new ResourceSummary(4, 23.5, 61.0, 812, 188, 54.2, null), 0);
    }
}
