using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Rendering;

/// <summary>
/// When a device is too loaded to render well, so renders go to the cloud: the hottest thermal zone at or above
/// <see cref="TemperatureC"/> (a Pi 5 throttles from 85 °C), or, when set, whole-device CPU at or above <see cref="CpuPercent"/>.
/// Readings the platform does not offer never count as pressure.
/// </summary>
public sealed record ResourcePressure(double TemperatureC = 80, double? CpuPercent = null)
{
    /// <summary><c>thermal</c>, <c>cpu</c>, or null when the sample shows no pressure.</summary>
    public string? Of(ResourceSample s) =>
        s.TemperatureC >= TemperatureC ? "thermal"
        : CpuPercent is { } cpu && s.CpuPercent >= cpu ? "cpu"
        : null;
}
