using System.Collections.Immutable;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rollouts;

namespace Fleet.Cloud.Rollouts;

/// <summary>
/// One rollout as its events built it (<see cref="Def"/> plus stage, status, cohort, history), and what the latest
/// observation said about it (verdict, health, device states — recomputed on every tick until the rollout ended and its
/// device states were settled, then persisted).
/// </summary>
public sealed record Rollout(RolloutEvents.Started Def)
{
    public RolloutStatus Status { get; init; } = RolloutStatus.Running;
    public int Stage { get; init; }
    public DateTimeOffset StageStartedAt { get; init; } = Def.At;
    /// <summary>Cohort devices with the time each one joined; a device never leaves.</summary>
    public ImmutableSortedDictionary<string, DateTimeOffset> Cohort { get; init; } = ImmutableSortedDictionary.Create<string, DateTimeOffset>(StringComparer.Ordinal);
    public ImmutableSortedSet<string> WrittenOff { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);
    public ImmutableList<RolloutTransition> History { get; init; } = ImmutableList<RolloutTransition>.Empty;
    /// <summary>When the rollback or abort began (devices confirm the previous version after this).</summary>
    public DateTimeOffset? UndoStartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    /// <summary>The baseline p95 last recorded at a stage pass; ratio gates use it when no baseline devices are left.</summary>
    public double? ReferenceP95Ms { get; init; }

    /// <summary>True once the rollout ended and its cohort devices' end states were persisted (<see cref="RolloutEvents.DevicesSettled"/>).</summary>
    public bool Settled { get; init; }

    public string? Verdict { get; init; }
    /// <summary>Why the rollout may not leave stage 1 (copy review still open, with <c>--require-review</c>), as last observed.</summary>
    public string? Held { get; init; }
    /// <summary>What the gates said on the last observation (null while undoing or ended: no gates are judged then).</summary>
    public GateVerdictKind? Judged { get; init; }
    public HealthWindow? Canary { get; init; }
    public HealthWindow? Baseline { get; init; }
    public IReadOnlyList<RolloutDeviceView> Devices { get; init; } = [];
    public int Eligible { get; init; }

    public string Id => Def.RolloutId;
    public double Percent => Def.Stages[Stage];
    /// <summary>What kind of artifact the rollout moves; it decides eligibility, directives and what the gates measure.</summary>
    public ArtifactKind Kind => Def.Artifact.Kind;
    public bool Undoing => Status is RolloutStatus.RollingBack or RolloutStatus.Aborting;
    public bool Terminal => Status is RolloutStatus.Completed or RolloutStatus.RolledBack or RolloutStatus.Aborted;
    public string ArtifactId => $"{Def.Artifact.Name}@{Def.Artifact.Version}";

    /// <summary>Another rollout of this artifact (same campaign, or same model name) may not run alongside this one.</summary>
    public bool Overlaps(CampaignReplies.ArtifactResolved other) => Kind.Overlaps(Def, other);

    /// <summary>True when the device's report shows it running the rollout's artifact.</summary>
    public bool RunsTarget(DeviceSyncReport r) => Kind.RunsTarget(Def, r);

    /// <summary>Why the device could not take the artifact, if it said so.</summary>
    public string? FailureOf(DeviceSyncReport r) => Kind.FailureOf(Def, r);

    public RolloutView ToView() => new(Id, Def.Artifact.ToString(), Def.Previous, Status, Def.Stages, Stage, Percent, StageStartedAt, Def.Bake,
        Def.Gates, Def.MinSamples, Def.Tags, Eligible, Verdict, Canary, Baseline, Devices, History, Def.By, Def.At, EndedAt);
}

/// <summary>A device the rollout may choose: registered, matching the rollout's tags, online or not.</summary>
public sealed record EligibleDevice(string DeviceId, IReadOnlyDictionary<string, string> Tags, bool Online);

/// <summary>What the coordinator saw on one tick: the registered devices and each device's last sync report, and why
/// rollouts may not pass their first stage (by rollout id: copy review still open, with <c>--require-review</c>).</summary>
public sealed record FleetSnapshot(IReadOnlyList<EligibleDevice> Devices, IReadOnlyDictionary<string, DeviceSyncReport> Reports, DateTimeOffset Now,
    IReadOnlyDictionary<string, string>? Holds = null);
