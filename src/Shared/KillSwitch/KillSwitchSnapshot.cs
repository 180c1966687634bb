using Fleet.Shared.Serialization;

namespace Fleet.Shared.KillSwitch;

/// <summary>
/// The kill-switch authority's state in a snapshot: the epoch, every kill, and each device's latest acknowledgement
/// (the acknowledgements of earlier epochs, one event each in the journal, are deleted with the events it covers).
/// </summary>
[PersistedAs("kill-switch-snapshot.v1")]
public sealed record KillSwitchSnapshot(long Epoch, IReadOnlyList<KillRecord> Kills, IReadOnlyDictionary<string, DeviceAck> Acks) : IFleetEvent;
