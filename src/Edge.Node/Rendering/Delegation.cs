namespace Fleet.Edge.Rendering;

/// <summary>When a render goes to a cloud render worker instead of this device, and how a delegated render is named (its fallback: <see cref="Fleet.Shared.Rendering.RenderFallback.LocalRender"/>).</summary>
public static class Delegation
{
    public const string EdgeFirst = "edge-first";
    public const string Cloud = "cloud";
    /// <summary>The cloud makes the base at the asked height (see <see cref="CloudBases"/>); the device renders the ad on it.</summary>
    public const string Hybrid = "hybrid";
    public static readonly IReadOnlyList<string> Modes = new[] { EdgeFirst, Cloud, Hybrid };

    /// <summary>Why this render should be delegated, or null to render here.</summary>
    /// <param name="pressure">The device's current resource pressure (<see cref="ResourcePressure.Of"/>), if any.</param>
    public static string? Reason(string mode, int height, int maxLocalHeight, string? pressure = null) =>
        mode == Hybrid ? null // the base comes from the cloud, the ad is made here
        : mode == Cloud ? "mode-cloud"
        : height > maxLocalHeight ? $"{height}p-over-{maxLocalHeight}p"
        : pressure is not null ? $"pressure-{pressure}"
        : null;

    /// <summary>The encoder a delegated render reports (result and telemetry): where it ran and with what.</summary>
    public static string CloudEncoder(string workerEncoder) => $"cloud:{workerEncoder}";
}
