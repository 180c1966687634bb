using Fleet.Shared.Serialization;

namespace Fleet.Shared.Rollouts;

/// <summary>Where a rollout stands. Terminal: <c>Completed</c>, <c>RolledBack</c>, <c>Aborted</c>.</summary>
public enum RolloutStatus { Running, Paused, RollingBack, RolledBack, Aborting, Aborted, Completed }

/// <summary>What an operator can do to a rollout by hand.</summary>
public enum RolloutAction { Pause, Resume, Abort, Promote }

/// <summary>One device's part in a rollout, as <c>rollout status</c> shows it.</summary>
public enum DeviceRolloutState { NotYetNotified, Assigned, Running, Failed, RolledBack, WrittenOff }

/// <summary>Render health over a window, for one cohort (canary or baseline).</summary>
/// <param name="Timed">The renders that ran the pipeline, whose times <see cref="P95Ms"/> is of (cache hits are counted, not timed).</param>
public sealed record HealthWindow(long Renders, long Successes, long Fallbacks, long SafetyBlocks, long LoadErrors, double? P95Ms, long Timed = 0) : IFleetProtocol
{
    public static readonly HealthWindow Empty = new(0, 0, 0, 0, 0, null);

    public double SuccessRate => Renders == 0 ? 1 : (double)Successes / Renders;
    public double FallbackRate => Renders == 0 ? 0 : (double)Fallbacks / Renders;
    public double SafetyRate => Renders == 0 ? 0 : (double)SafetyBlocks / Renders;

    /// <summary>The p95, once at least <paramref name="minSamples"/> renders were timed: the p95 of two is their maximum.</summary>
    public double? TimedP95(long minSamples) => Timed >= minSamples ? P95Ms : null;
}

/// <summary>Messages to and from the rollout coordinator (a persistent cluster singleton on <c>control</c>).</summary>
public static class RolloutCommands
{
    /// <param name="Stages">Percentages of the eligible devices, rising, ending at 100.</param>
    /// <param name="Gates">Gate expressions such as <c>success&gt;=0.99</c>; the coordinator parses them.</param>
    /// <param name="Timeout">How long a stage may wait for enough samples before the rollout pauses for a human.</param>
    public sealed record Start(RolloutArtifact Artifact, IReadOnlyList<double> Stages, TimeSpan Bake, IReadOnlyDictionary<string, string> Tags,
        IReadOnlyList<string> Gates, long MinSamples, TimeSpan Timeout, TimeSpan WriteOffAfter, string By, string Reason) : IFleetProtocol;

    public sealed record Act(string RolloutId, RolloutAction Action, string Reason, string By) : IFleetProtocol;

    public sealed record Get(string RolloutId) : IFleetProtocol;

    public sealed record List : IFleetProtocol
    {
        public static readonly List Instance = new();
    }

    public sealed record RolloutList(IReadOnlyList<RolloutView> Rollouts) : IFleetProtocol;
}

/// <summary>A rollout as the API shows it: definition, stage, latest gate verdict with both cohorts' health, devices, history.</summary>
public sealed record RolloutView(
    string Id,
    string Artifact,
    string? Previous,
    RolloutStatus Status,
    IReadOnlyList<double> Stages,
    int Stage,
    double StagePercent,
    DateTimeOffset? StageStartedAt,
    TimeSpan Bake,
    IReadOnlyList<string> Gates,
    long MinSamples,
    IReadOnlyDictionary<string, string> Tags,
    int Eligible,
    string? Verdict,
    HealthWindow? Canary,
    HealthWindow? Baseline,
    IReadOnlyList<RolloutDeviceView> Devices,
    IReadOnlyList<RolloutTransition> History,
    string StartedBy,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    IReadOnlyList<GateSample>? Samples = null) : IFleetProtocol;

/// <summary>
/// Both cohorts' health as the coordinator saw it on one tick, for the canary-vs-baseline curves. Kept in the
/// coordinator's memory (the newest <c>RolloutCoordinator.SamplesKept</c> per rollout): a hand-over starts a new curve.
/// </summary>
public sealed record GateSample(DateTimeOffset At, HealthWindow Canary, HealthWindow Baseline) : IFleetProtocol;

public sealed record RolloutDeviceView(string DeviceId, DeviceRolloutState State, string? Detail) : IFleetProtocol;

/// <summary>One persisted transition with who made it and why.</summary>
public sealed record RolloutTransition(DateTimeOffset At, string What, string By, string Why) : IFleetProtocol;
