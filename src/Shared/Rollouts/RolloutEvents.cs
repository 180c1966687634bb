using Fleet.Shared.Serialization;

namespace Fleet.Shared.Rollouts;

/// <summary>Every rollout event names its rollout.</summary>
public interface IRolloutEvent : IFleetEvent
{
    string RolloutId { get; }
}

/// <summary>Persisted events of the rollout coordinator; each transition carries who made it and why.</summary>
public static class RolloutEvents
{
    /// <summary>
    /// A rollout began at stage 0. For campaign and template artifacts <see cref="CampaignId"/>, <see cref="TargetVersion"/>
    /// and <see cref="PreviousVersion"/> (what the baseline keeps, and what a rollback returns to) are set; for a model,
    /// <see cref="ModelSha256"/>. <see cref="Previous"/> describes the baseline for people.
    /// </summary>
    [PersistedAs("rollout-started.v1")]
    public sealed record Started(string RolloutId, RolloutArtifact Artifact, string? CampaignId, int? TargetVersion, int? PreviousVersion,
        string? ModelSha256, string Previous, IReadOnlyList<double> Stages, TimeSpan Bake, IReadOnlyDictionary<string, string> Tags,
        IReadOnlyList<string> Gates, long MinSamples, TimeSpan Timeout, TimeSpan WriteOffAfter, string By, string Reason, DateTimeOffset At) : IRolloutEvent;

    /// <summary>
    /// The rollout moved to stage <see cref="Stage"/> (a gate pass after bake, or a promotion by hand).
    /// <see cref="BaselineP95Ms"/>: the baseline's p95 when the stage before passed, the reference for ratio gates once
    /// the cohort is the whole fleet and no baseline is left.
    /// </summary>
    [PersistedAs("rollout-stage-entered.v1")]
    public sealed record StageEntered(string RolloutId, int Stage, string By, string Why, DateTimeOffset At, double? BaselineP95Ms = null) : IRolloutEvent;

    /// <summary>Devices placed into the cohort (stage growth or newly eligible devices); a device never leaves it.</summary>
    [PersistedAs("rollout-cohort-grown.v1")]
    public sealed record CohortGrown(string RolloutId, IReadOnlyList<string> Added, DateTimeOffset At) : IRolloutEvent;

    /// <summary>Pause, resume, rollback, abort, completion; <see cref="By"/> is <c>gates</c> for automatic ones.</summary>
    [PersistedAs("rollout-status-changed.v1")]
    public sealed record StatusChanged(string RolloutId, RolloutStatus To, string By, string Why, DateTimeOffset At) : IRolloutEvent;

    /// <summary>Cohort devices that stayed offline past the deadline while the rollout was being undone.</summary>
    [PersistedAs("rollout-written-off.v1")]
    public sealed record WrittenOff(string RolloutId, IReadOnlyList<string> Devices, string Why, DateTimeOffset At) : IRolloutEvent;

    /// <summary>
    /// The state of every cohort device of an ended rollout, fixed once each one reached its end state (or the
    /// write-off deadline after the end passed). Kept because these rows cannot be recomputed later: a coordinator that
    /// takes over after the end, or a device that has since moved on to a newer version, would report them wrongly.
    /// </summary>
    [PersistedAs("rollout-devices-settled.v1")]
    public sealed record DevicesSettled(string RolloutId, IReadOnlyList<RolloutDeviceView> Devices, DateTimeOffset At) : IRolloutEvent;
}
