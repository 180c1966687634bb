using System.Diagnostics.Metrics;
using Fleet.Cloud.Telemetry;
using Fleet.Shared.Devices;

namespace Fleet.Cloud.Devices;

/// <summary>
/// The fleet as this node's <see cref="DeviceIndex"/> sees it, counted at scrape time (nothing is kept twice), and
/// registrations as the registry entities decide them (on the control nodes that host them).
/// </summary>
public static class DeviceMetrics
{
    public static readonly string[] States = ["connected", "offline", "unreachable", "revoked"];

    private static readonly Counter<long> Registrations = CloudMetrics.Meter.CreateCounter<long>("fleet_device_registrations",
        description: "device registrations by result (first: a new device; again: a known one reconnecting; refused)");
    /// <summary>The index of the host that started last; a process runs one cloud node outside tests.</summary>
    private static volatile DeviceIndex? _index;

    static DeviceMetrics() =>
        CloudMetrics.Meter.CreateObservableGauge("fleet_devices", ByState, description: "registered devices by state, as this node's device index knows them");

    public static void Observe(DeviceIndex index) => _index = index;

    /// <summary>Registered devices (with facts) as this node last heard of them; empty before the index is set.</summary>
    public static IEnumerable<DeviceReplies.DeviceView> Known() => _index?.Views ?? [];

    public static void Registered(bool firstTime) =>
        Registrations.Add(1, new KeyValuePair<string, object?>("result", firstTime ? "first" : "again"));

    public static void Refused() => Registrations.Add(1, new KeyValuePair<string, object?>("result", "refused"));

    public static string StateOf(DeviceReplies.DeviceView v) =>
        v.RevokedAt is not null ? "revoked" : v.Connectivity switch
        {
            Connectivity.Up => "connected",
            Connectivity.Unreachable => "unreachable",
            _ => "offline",
        };

    private static IEnumerable<Measurement<int>> ByState()
    {
        var counts = Known().GroupBy(StateOf).ToDictionary(g => g.Key, g => g.Count());
        // Every state is reported, zero included, so a share (offline / all) never divides by a missing series.
        return States.Select(s => new Measurement<int>(counts.GetValueOrDefault(s), new KeyValuePair<string, object?>("state", s)));
    }
}
