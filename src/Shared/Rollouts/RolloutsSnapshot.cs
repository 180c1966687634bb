using Fleet.Shared.Serialization;

namespace Fleet.Shared.Rollouts;

/// <summary>Every rollout of the coordinator as its events built it, stored in a snapshot (versioned JSON like its events).</summary>
[PersistedAs("rollouts-snapshot.v1")]
public sealed record RolloutsSnapshot(IReadOnlyList<RolloutsSnapshot.Entry> Rollouts) : IFleetEvent
{
    /// <param name="Cohort">Cohort devices with the time each joined.</param>
    /// <param name="Devices">The settled device rows of an ended rollout; null until they are settled.</param>
    public sealed record Entry(
        RolloutEvents.Started Def,
        RolloutStatus Status,
        int Stage,
        DateTimeOffset StageStartedAt,
        IReadOnlyDictionary<string, DateTimeOffset> Cohort,
        IReadOnlyList<string> WrittenOff,
        IReadOnlyList<RolloutTransition> History,
        DateTimeOffset? UndoStartedAt,
        DateTimeOffset? EndedAt,
        double? ReferenceP95Ms,
        IReadOnlyList<RolloutDeviceView>? Devices);
}
