using Fleet.Shared.Serialization;

namespace Fleet.Shared.KillSwitch;

/// <summary>Persisted events of the kill-switch authority.</summary>
public static class KillEvents
{
    [PersistedAs("kill-engaged.v1")]
    public sealed record Engaged(KillDirective Directive) : IFleetEvent;

    [PersistedAs("kill-released.v1")]
    public sealed record Released(string Id, long Epoch, string By, string Reason, DateTimeOffset At) : IFleetEvent;

    [PersistedAs("kill-acked.v1")]
    public sealed record Acked(string DeviceId, long Epoch, DateTimeOffset At) : IFleetEvent;

    /// <summary>Acknowledgements written together: every device answers a change within seconds, and a row each would not scale.</summary>
    [PersistedAs("kill-acked-batch.v1")]
    public sealed record AckedBatch(IReadOnlyList<Acked> Acks) : IFleetEvent;
}
