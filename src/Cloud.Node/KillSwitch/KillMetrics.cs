using System.Diagnostics.Metrics;
using Fleet.Cloud.Devices;
using Fleet.Cloud.Telemetry;

namespace Fleet.Cloud.KillSwitch;

/// <summary>
/// The kill switch as its authority holds it, reported by the node that runs the authority (a cluster singleton; other
/// nodes report no kill series): the epoch, active kills, engage→ack latency per device, and devices not yet
/// acknowledging the current epoch.
/// </summary>
public static class KillMetrics
{
    private static readonly Histogram<double> AckLatency = CloudMetrics.Meter.CreateHistogram<double>("fleet_kill_ack_latency", "s",
        "from a kill engage or release to each device's acknowledgement of that epoch, by action",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] });
    /// <summary>The authority's state after its last change; null on a node that does not run it.</summary>
    private static volatile KillSwitchState? _state;

    static KillMetrics()
    {
        CloudMetrics.Meter.CreateObservableGauge("fleet_kill_epoch", () => Observed(s => s.Epoch), description: "the kill switch's current epoch (every engage or release raises it)");
        CloudMetrics.Meter.CreateObservableGauge("fleet_kill_active", () => Observed(s => (long)s.ActiveKills.Count()), description: "kills engaged and not released");
        CloudMetrics.Meter.CreateObservableGauge("fleet_kill_pending_devices", Pending,
            description: "registered, unrevoked devices that have not acknowledged the current epoch, by connectivity (an offline device acknowledges when it returns)");
    }

    public static void State(KillSwitchState? state) => _state = state;

    /// <summary>Records how long a device took to acknowledge <paramref name="epoch"/>, if that epoch is a change this state knows.</summary>
    public static void Acknowledged(KillSwitchState state, long epoch, DateTimeOffset receivedAt)
    {
        foreach (var k in state.Kills)
        {
            var (at, action) = k.Directive.Epoch == epoch ? (k.Directive.IssuedAt, "engage")
                : k.ReleaseEpoch == epoch ? (k.ReleasedAt!.Value, "release") : (default, null);
            if (action is null) continue;
            AckLatency.Record(Math.Max(0, (receivedAt - at).TotalSeconds), new KeyValuePair<string, object?>("action", action));
            return;
        }
    }

    private static IEnumerable<Measurement<int>> Pending()
    {
        if (_state is not { } s) return [];
        var pending = DeviceMetrics.Known()
            .Where(d => d.RevokedAt is null && (!s.Acks.TryGetValue(d.DeviceId, out var ack) || ack.Epoch < s.Epoch))
            .Select(DeviceMetrics.StateOf).ToList();
        // Both series always, so "pending connected / connected" has a numerator even at zero.
        return DeviceMetrics.States.Where(state => state != "revoked").Select(state =>
            new Measurement<int>(pending.Count(p => p == state), new KeyValuePair<string, object?>("state", state)));
    }

    private static IEnumerable<Measurement<long>> Observed(Func<KillSwitchState, long> value) =>
        _state is { } s ? [new Measurement<long>(value(s))] : [];
}
