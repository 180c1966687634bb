using Fleet.Shared.Devices;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Stats;

namespace Fleet.Cloud.KillSwitch;

/// <summary>One device's part in a kill: acknowledged (and how long it took) or still pending, and why it might be.</summary>
public sealed record KillDeviceStatus(string DeviceId, string State, double? AckMs, long AckedEpoch, Connectivity Connectivity);

/// <summary>What <c>kill status</c> shows: the directive, every registered device, and engage→ack latency percentiles.</summary>
public sealed record KillStatus(KillRecord Kill, bool Active, int Acknowledged, int Pending, double? P50Ms, double? P99Ms, double? MaxMs,
    IReadOnlyList<KillDeviceStatus> Devices)
{
    /// <summary>
    /// A device has enforced the kill once it confirmed the kill's epoch (or a later one). Latency is counted only for
    /// devices registered before the kill; later ones enforced it when they synced on joining.
    /// </summary>
    public static KillStatus Build(KillRecord kill, KillCommands.State state, IReadOnlyList<DeviceReplies.DeviceView> devices)
    {
        var epoch = kill.ReleaseEpoch ?? kill.Directive.Epoch;
        var rows = devices.Select(d =>
        {
            var ack = state.Acks.GetValueOrDefault(d.DeviceId);
            var done = ack is not null && ack.Epoch >= epoch;
            var issuedAt = kill.ReleasedAt ?? kill.Directive.IssuedAt;
            double? ms = done && d.RegisteredAt <= issuedAt ? Math.Max(0, (ack!.ReceivedAt - issuedAt).TotalMilliseconds) : null;
            var stateText = done ? (ms is null ? "acknowledged (synced on join)" : "acknowledged") : "pending";
            return new KillDeviceStatus(d.DeviceId, stateText, ms, ack?.Epoch ?? 0, d.Connectivity);
        }).OrderBy(r => r.State == "pending" ? 0 : 1).ThenBy(r => r.DeviceId, StringComparer.Ordinal).ToList();
        var latencies = rows.Where(r => r.AckMs is not null).Select(r => r.AckMs!.Value).Order().ToArray();
        return new KillStatus(kill, kill.ReleasedAt is null, rows.Count(r => r.State != "pending"), rows.Count(r => r.State == "pending"),
            Percentiles.NearestRank(latencies, 0.50), Percentiles.NearestRank(latencies, 0.99), latencies.Length == 0 ? null : latencies[^1], rows);
    }

}
