using System.Collections.Immutable;
using System.Globalization;
using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Rollouts.RolloutCommands;

namespace Fleet.Cloud.Rollouts;

/// <summary>
/// Every rollout and the pure rules of the state machine: starting, operator actions, and one observation step
/// (cohort growth, gate verdict, stage pass, timeout to paused, automatic rollback, undo confirmation). The
/// coordinator persists the events these return and turns the state into assignment-table overlays.
/// </summary>
public sealed record RolloutBook
{
    public const string Gates = "gates";

    public ImmutableList<Rollout> Rollouts { get; init; } = ImmutableList<Rollout>.Empty;

    public Rollout? Find(string id) => Rollouts.FirstOrDefault(r => r.Id == id);

    public IEnumerable<Rollout> Active => Rollouts.Where(r => !r.Terminal);

    /// <summary>Rollouts the coordinator still observes: the active ones, and ended ones whose device states are not settled yet.</summary>
    public IEnumerable<Rollout> Observed => Rollouts.Where(r => !r.Settled);

    /// <summary>Checks a start request's shape before the artifact is looked up; null when it is fine. The words name settings, not CLI flags: HTTP callers see them too.</summary>
    public static string? Invalid(Start cmd)
    {
        var s = cmd.Stages;
        if (s.Count == 0) return "stages: at least one percentage is needed";
        if (s.Any(p => !(p > 0 && p <= 100))) return $"stages {Stages(s)}: every stage is a percentage in (0, 100]";
        if (s.Zip(s.Skip(1)).Any(p => p.Item2 <= p.Item1)) return $"stages {Stages(s)}: stages must rise";
        if (s[^1] != 100) return $"stages {Stages(s)}: the last stage must be 100";
        if (cmd.MinSamples < 1) return "min samples must be at least 1";
        if (cmd.Bake < TimeSpan.Zero || cmd.Timeout <= TimeSpan.Zero) return "the bake time must not be negative and the stage timeout must be positive";
        if (cmd.Timeout < cmd.Bake) return $"the stage timeout {cmd.Timeout} is shorter than the bake time {cmd.Bake}: no stage could ever pass";
        try { foreach (var g in cmd.Gates) Gate.Parse(g); }
        catch (UsageException e) { return e.Message; }
        return null;
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Handle(Start cmd, CampaignReplies.ArtifactResolved resolved, DateTimeOffset now)
    {
        if (Invalid(cmd) is { } why) return (Refused.Invalid(why), []);
        if (Active.FirstOrDefault(r => r.Overlaps(resolved)) is { } busy)
            return (Refused.Conflict($"{busy.Id} ({busy.Def.Artifact}) is still {FleetJson.Name(busy.Status)}; finish, abort or promote it first"), []);
        var id = $"r{Rollouts.Count + 1}";
        var gates = (cmd.Gates.Count == 0 ? Gate.Defaults : cmd.Gates.Select(Gate.Parse)).Select(g => g.ToString()).ToList();
        var started = new RolloutEvents.Started(id, cmd.Artifact, resolved.CampaignId, resolved.TargetVersion, resolved.PreviousVersion,
            resolved.ModelSha256, resolved.Previous, cmd.Stages.ToList(), cmd.Bake, cmd.Tags, gates, cmd.MinSamples, cmd.Timeout, cmd.WriteOffAfter,
            cmd.By, cmd.Reason.Trim(), now);
        return (new Rollout(started).ToView(), [started]);
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Handle(Act cmd, DateTimeOffset now)
    {
        if (Find(cmd.RolloutId) is not { } r) return (Refused.NotFound($"no rollout {cmd.RolloutId}"), []);
        if (string.IsNullOrWhiteSpace(cmd.Reason)) return (Refused.Invalid("a reason is required"), []);
        var why = cmd.Reason.Trim();
        var running = r.Status is RolloutStatus.Running or RolloutStatus.Paused;
        // A promotion by hand may not skip the copy review either (as last observed; see FleetSnapshot.Holds).
        if (cmd.Action == RolloutAction.Promote && running && r.Held is { } held) return (Refused.Conflict($"{r.Id} cannot be promoted: {held}"), []);
        IFleetEvent? evt = cmd.Action switch
        {
            RolloutAction.Pause when r.Status == RolloutStatus.Running => Status(r, RolloutStatus.Paused, cmd.By, why, now),
            RolloutAction.Resume when r.Status == RolloutStatus.Paused => Status(r, RolloutStatus.Running, cmd.By, why, now),
            RolloutAction.Abort when running => Status(r, RolloutStatus.Aborting, cmd.By, why, now),
            RolloutAction.Promote when running && r.Stage == r.Def.Stages.Count - 1 => Status(r, RolloutStatus.Completed, cmd.By, why, now),
            RolloutAction.Promote when running => new RolloutEvents.StageEntered(r.Id, r.Stage + 1, cmd.By, why, now),
            _ => null,
        };
        return evt is null
            ? (Refused.Conflict($"{r.Id} is {FleetJson.Name(r.Status)}; it cannot be {Past(cmd.Action)}"), [])
            : (Apply(evt).Find(r.Id)!.ToView(), [evt]);
    }

    /// <summary>
    /// The cohort this observation would give: the stage's share of the eligible devices, plus everyone already in. A
    /// completed rollout released the version to every eligible device, so until it settles its cohort is all of them
    /// (a promotion straight to completion may have come before the last stage's devices were added).
    /// </summary>
    public static IReadOnlySet<string> CohortFor(Rollout r, FleetSnapshot snap) => r.Undoing || r.Settled || r.Status is RolloutStatus.RolledBack or RolloutStatus.Aborted
        ? r.Cohort.Keys.ToHashSet(StringComparer.Ordinal)
        : Cohorts.Select(Eligible(r, snap).Select(d => d.DeviceId), r.Id, r.Percent, r.Cohort.Keys);

    /// <summary>
    /// Registered devices carrying every tag of the rollout that its kind lets take part (for a campaign, only those that
    /// run the campaign, so devices it is not assigned to are neither canary nor baseline).
    /// </summary>
    public static IReadOnlyList<EligibleDevice> Eligible(Rollout r, FleetSnapshot snap) =>
        TagMatched(r, snap).Where(d => r.Kind.Eligible(r.Def, snap.Reports.GetValueOrDefault(d.DeviceId))).ToList();

    /// <summary>Registered devices carrying every tag of the rollout, whatever they run.</summary>
    private static IEnumerable<EligibleDevice> TagMatched(Rollout r, FleetSnapshot snap) =>
        snap.Devices.Where(d => r.Def.Tags.All(t => d.Tags.TryGetValue(t.Key, out var v) && v == t.Value));

    /// <summary>
    /// One observation of a rollout: the events it calls for, and the rollout with the observation's verdict, health and
    /// device states filled in (for status).
    /// </summary>
    public static (Rollout Observed, IReadOnlyList<IFleetEvent> Events) Step(Rollout r, FleetSnapshot snap, HealthWindow canaryHealth, HealthWindow baseline)
    {
        if (r.Settled) return (r, []);
        var now = snap.Now;
        var events = new List<IFleetEvent>();
        var eligible = Eligible(r, snap);
        var added = CohortFor(r, snap).Where(d => !r.Cohort.ContainsKey(d)).Order(StringComparer.Ordinal).ToList();
        if (added.Count > 0)
        {
            events.Add(new RolloutEvents.CohortGrown(r.Id, added, now));
            r = r with { Cohort = r.Cohort.SetItems(added.Select(d => KeyValuePair.Create(d, now))) };
        }
        var devices = r.Cohort.Keys.Select(d => DeviceState(r, d, snap)).ToList();
        r = r with { Devices = devices, Eligible = eligible.Count };

        if (r.Terminal)
        {
            // A completed rollout also waits for devices it cannot judge yet: registered with its tags but without a sync
            // report (the campaign store that took over keeps reports in memory), they may run the campaign and belong in it.
            var unknown = r.Status == RolloutStatus.Completed && TagMatched(r, snap).Any(d => !snap.Reports.ContainsKey(d.DeviceId));
            if ((devices.All(d => Ended(r, d.State)) && !unknown) || now - r.EndedAt >= r.Def.WriteOffAfter)
                events.Add(new RolloutEvents.DevicesSettled(r.Id, devices, now));
            return (r, events);
        }

        if (r.Undoing)
        {
            var pending = devices.Where(d => d.State is not (DeviceRolloutState.RolledBack or DeviceRolloutState.WrittenOff)).Select(d => d.DeviceId).ToList();
            var online = eligible.Where(d => d.Online).Select(d => d.DeviceId).ToHashSet(StringComparer.Ordinal);
            var writeOff = now - r.UndoStartedAt >= r.Def.WriteOffAfter ? pending.Where(d => !online.Contains(d)).ToList() : [];
            if (writeOff.Count > 0)
                events.Add(new RolloutEvents.WrittenOff(r.Id, writeOff, $"offline for more than {r.Def.WriteOffAfter} since the {(r.Status == RolloutStatus.Aborting ? "abort" : "rollback")} began", now));
            var left = pending.Count - writeOff.Count;
            if (left == 0)
                events.Add(Status(r, r.Status == RolloutStatus.RollingBack ? RolloutStatus.RolledBack : RolloutStatus.Aborted, Gates,
                    $"every cohort device confirmed {r.Def.Previous}" + (r.WrittenOff.Count + writeOff.Count > 0 ? $" or was written off ({r.WrittenOff.Count + writeOff.Count})" : ""), now));
            return (r with { Judged = null, Verdict = left == 0 ? "undone" : $"waiting for {left} cohort device(s) to confirm {r.Def.Previous}" }, events);
        }

        var canary = canaryHealth with { LoadErrors = devices.Count(d => d.State == DeviceRolloutState.Failed) };
        var verdict = GateEvaluator.Evaluate(r.Def.Gates.Select(Gate.Parse).ToList(), canary, baseline, r.Def.MinSamples, r.ReferenceP95Ms);
        var stage = $"stage {r.Stage + 1}/{r.Def.Stages.Count} ({Percent(r.Percent)})";
        var elapsed = now - r.StageStartedAt;
        string shown = verdict.Detail;
        var held = r.Stage == 0 ? snap.Holds?.GetValueOrDefault(r.Id) : null;
        if (verdict.Kind == GateVerdictKind.Breach)
            events.Add(Status(r, RolloutStatus.RollingBack, Gates, $"{stage}: {verdict.Detail}; rolling back to {r.Def.Previous}", now));
        else if (held is not null)
            shown = $"{stage} held: {held} (gates: {verdict.Detail})";
        else if (r.Status == RolloutStatus.Running && verdict.Kind == GateVerdictKind.Pass && elapsed >= r.Def.Bake)
            events.Add(r.Stage == r.Def.Stages.Count - 1
                ? Status(r, RolloutStatus.Completed, Gates, $"{stage} passed: {verdict.Detail}", now)
                : new RolloutEvents.StageEntered(r.Id, r.Stage + 1, Gates, $"{stage} passed: {verdict.Detail}", now, baseline.TimedP95(r.Def.MinSamples)));
        else if (r.Status == RolloutStatus.Running && verdict.Kind == GateVerdictKind.Observe && elapsed >= r.Def.Timeout)
            events.Add(Status(r, RolloutStatus.Paused, Gates, $"{stage} timed out after {r.Def.Timeout} still observing ({verdict.Detail}); a person decides: resume, promote or abort", now));
        else if (verdict.Kind == GateVerdictKind.Pass)
            shown = $"{verdict.Detail}; baking until {(r.StageStartedAt + r.Def.Bake):HH:mm:ss}";
        else if (verdict.Kind == GateVerdictKind.Observe)
            shown = $"observing: {verdict.Detail}";
        return (r with { Verdict = shown, Judged = verdict.Kind, Canary = canary, Baseline = baseline, Held = held }, events);
    }

    /// <summary>A device state that no longer changes for an ended rollout of this status.</summary>
    private static bool Ended(Rollout r, DeviceRolloutState s) => r.Status == RolloutStatus.Completed
        ? s is DeviceRolloutState.Running or DeviceRolloutState.Failed or DeviceRolloutState.WrittenOff
        : s is DeviceRolloutState.RolledBack or DeviceRolloutState.WrittenOff;

    private static RolloutDeviceView DeviceState(Rollout r, string deviceId, FleetSnapshot snap)
    {
        if (r.WrittenOff.Contains(deviceId)) return new(deviceId, DeviceRolloutState.WrittenOff, "offline past the deadline");
        var report = snap.Reports.GetValueOrDefault(deviceId);
        if (r.Undoing || r.Status is RolloutStatus.RolledBack or RolloutStatus.Aborted)
            return report is not null && report.At >= r.UndoStartedAt && !r.RunsTarget(report) && r.FailureOf(report) is null
                ? new(deviceId, DeviceRolloutState.RolledBack, $"on {r.Def.Previous}")
                : new(deviceId, DeviceRolloutState.Assigned, $"told to return to {r.Def.Previous}");
        if (report is null || report.At < r.Cohort[deviceId]) return new(deviceId, DeviceRolloutState.NotYetNotified, null);
        if (r.FailureOf(report) is { } why) return new(deviceId, DeviceRolloutState.Failed, why);
        return r.RunsTarget(report)
            ? new(deviceId, DeviceRolloutState.Running, r.ArtifactId)
            : new(deviceId, DeviceRolloutState.Assigned, null);
    }

    /// <summary>The assignment-table changes a rollout's state calls for, in the order the campaign store must apply them.</summary>
    public static IReadOnlyList<object> Directives(Rollout r) => r.Kind.Directives(r.Def, r.Status, r.Cohort.Keys.ToList(), Gates);

    public RolloutBook Apply(IFleetEvent evt) => evt switch
    {
        RolloutEvents.Started s => this with
        {
            Rollouts = Rollouts.Add(new Rollout(s) { History = [new RolloutTransition(s.At, $"started at stage 1/{s.Stages.Count} ({Percent(s.Stages[0])})", s.By, s.Reason)] }),
        },
        RolloutEvents.StageEntered e => Update(e.RolloutId, r => r with
        {
            Stage = e.Stage,
            StageStartedAt = e.At,
            Status = RolloutStatus.Running,
            ReferenceP95Ms = e.BaselineP95Ms ?? r.ReferenceP95Ms,
            History = r.History.Add(new RolloutTransition(e.At, $"stage {e.Stage + 1}/{r.Def.Stages.Count} ({Percent(r.Def.Stages[e.Stage])})", e.By, e.Why)),
        }),
        RolloutEvents.CohortGrown g => Update(g.RolloutId, r => r with { Cohort = r.Cohort.SetItems(g.Added.Select(d => KeyValuePair.Create(d, r.Cohort.GetValueOrDefault(d, g.At)))) }),
        RolloutEvents.StatusChanged c => Update(c.RolloutId, r => r with
        {
            Status = c.To,
            // A resumed stage bakes afresh: the pause may have been long and the timeout must not fire at once.
            StageStartedAt = c.To == RolloutStatus.Running ? c.At : r.StageStartedAt,
            UndoStartedAt = c.To is RolloutStatus.RollingBack or RolloutStatus.Aborting ? c.At : r.UndoStartedAt,
            EndedAt = c.To is RolloutStatus.Completed or RolloutStatus.RolledBack or RolloutStatus.Aborted ? c.At : r.EndedAt,
            History = r.History.Add(new RolloutTransition(c.At, FleetJson.Name(c.To), c.By, c.Why)),
        }),
        RolloutEvents.WrittenOff w => Update(w.RolloutId, r => r with
        {
            WrittenOff = r.WrittenOff.Union(w.Devices),
            History = r.History.Add(new RolloutTransition(w.At, $"wrote off {string.Join(", ", w.Devices)}", Gates, w.Why)),
        }),
        RolloutEvents.DevicesSettled d => Update(d.RolloutId, r => r with { Settled = true, Devices = d.Devices }),
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "not a rollout event"),
    };

    public RolloutsSnapshot ToSnapshot() => new(Rollouts.Select(r => new RolloutsSnapshot.Entry(r.Def, r.Status, r.Stage, r.StageStartedAt, r.Cohort,
        r.WrittenOff.ToList(), r.History, r.UndoStartedAt, r.EndedAt, r.ReferenceP95Ms, r.Settled ? r.Devices : null)).ToList());

    public static RolloutBook FromSnapshot(RolloutsSnapshot s) => new()
    {
        Rollouts = s.Rollouts.Select(e => new Rollout(e.Def)
        {
            Status = e.Status, Stage = e.Stage, StageStartedAt = e.StageStartedAt,
            Cohort = e.Cohort.ToImmutableSortedDictionary(StringComparer.Ordinal), WrittenOff = e.WrittenOff.ToImmutableSortedSet(StringComparer.Ordinal),
            History = e.History.ToImmutableList(), UndoStartedAt = e.UndoStartedAt, EndedAt = e.EndedAt, ReferenceP95Ms = e.ReferenceP95Ms,
            Settled = e.Devices is not null, Devices = e.Devices ?? [],
        }).ToImmutableList(),
    };

    /// <summary>Keeps what the last observation said (not persisted) on the rollout's current state.</summary>
    public RolloutBook WithObservation(Rollout observed) => Update(observed.Id, r => r with
    {
        Verdict = observed.Verdict, Judged = observed.Judged, Canary = observed.Canary, Baseline = observed.Baseline, Devices = observed.Devices, Eligible = observed.Eligible, Held = observed.Held,
    });

    private RolloutBook Update(string id, Func<Rollout, Rollout> change) =>
        this with { Rollouts = Rollouts.Select(r => r.Id == id ? change(r) : r).ToImmutableList() };

    private static RolloutEvents.StatusChanged Status(Rollout r, RolloutStatus to, string by, string why, DateTimeOffset now) => new(r.Id, to, by, why, now);


    private static string Past(RolloutAction a) => a switch
    {
        RolloutAction.Pause => "paused",
        RolloutAction.Resume => "resumed",
        RolloutAction.Abort => "aborted",
        _ => "promoted",
    };

    private static string Percent(double p) => p.ToString("0.##", CultureInfo.InvariantCulture) + " %";

    private static string Stages(IEnumerable<double> s) => string.Join(',', s.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
