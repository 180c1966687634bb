using Akka.Actor;
using Fleet.Cloud.Authority;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Campaigns;
using Fleet.Shared.Cluster;
using Fleet.Shared.Commands;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Persistence;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;
using static Fleet.Shared.Rollouts.RolloutCommands;

namespace Fleet.Cloud.Rollouts;

/// <summary>
/// The rollout coordinator (a persistent cluster singleton on <c>control</c>). Every tick it looks at the fleet
/// (registered devices, their sync reports, canary and baseline health from telemetry), lets <see cref="RolloutBook.Step"/>
/// decide, persists what it decided, and keeps the campaign store's assignment-table overlays in line with each
/// rollout's state. A control node that takes over recovers the book from the journal and re-sends every overlay.
/// </summary>
public sealed class RolloutCoordinator : SnapshottingActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Func<CancellationToken, Task<IReadOnlyList<DeviceReplies.DeviceView>>> _devices;
    private readonly TimeSpan _tick;
    private readonly TimeProvider _clock;
    private readonly CloudAudit? _audit;
    private readonly IActorRef _store;
    private readonly IActorRef _telemetry;
    private RolloutBook _book = new();
    private bool _observing;
    private readonly Dictionary<string, Queue<GateSample>> _samples = new(StringComparer.Ordinal);
    private readonly bool _requireReview;

    public RolloutCoordinator(Func<CancellationToken, Task<IReadOnlyList<DeviceReplies.DeviceView>>> devices, TimeSpan tick, IActorRef store, IActorRef telemetry,
        TimeProvider clock, CloudAudit? audit, bool requireReview = false)
    {
        _store = store;
        _telemetry = telemetry;
        _requireReview = requireReview;
        _devices = devices;
        _tick = tick;
        _clock = clock;
        _audit = audit;
        Recover<IFleetEvent>(e => _book = _book.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            RolloutMetrics.Book(_book.Rollouts);
            foreach (var r in _book.Rollouts) SendDirectives(r);
            Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _tick);
        });

        Command<Start>(cmd =>
        {
            if (RolloutBook.Invalid(cmd) is { } why) { Sender.Tell(Refused.Invalid(why)); return; }
            var replyTo = Sender;
            _store.AskCommand<CampaignReplies.ArtifactResolved>(new CampaignCommands.ResolveArtifact(cmd.Artifact), AskTimeout)
                .PipeTo(Self, success: reply => new Resolved(cmd, reply.Value ?? (object)reply.Refusal!, replyTo),
                    failure: e => new Resolved(cmd, new Refused(RefusalCode.Unavailable, $"campaign store did not answer: {e.Message}"), replyTo));
        });
        Command<Resolved>(r =>
        {
            if (r.Reply is not CampaignReplies.ArtifactResolved resolved)
            {
                r.ReplyTo.Tell(r.Reply);
                return;
            }
            Decide(_book.Handle(r.Cmd, resolved, Now), r.ReplyTo);
        });
        Command<Act>(cmd => Decide(_book.Handle(cmd, Now), Sender));
        Command<Get>(q => Sender.Tell(_book.Find(q.RolloutId) is { } found ? View(found) : Refused.NotFound($"no rollout {q.RolloutId}")));
        Command<List>(_ => Sender.Tell(new RolloutList(_book.Rollouts.Select(View).Reverse().ToList())));
        Command<Tick>(_ =>
        {
            if (_observing || !_book.Observed.Any()) return;
            _observing = true;
            ObserveAsync(_book.Observed.ToList(), _store, _telemetry).PipeTo(Self, failure: e => new ObservationFailed(e.Message));
        });
        Command<Observation>(OnObservation);
        Command<ObservationFailed>(f =>
        {
            _observing = false;
            _log.Warning("rollouts: could not observe the fleet this tick: {0}", f.Why);
        });
        Command<CampaignReplies.OverlayApplied>(_ => { });
        Command<Refused>(r => _log.Warning("rollouts: campaign store refused a directive: {0}", r.Reason));
    }

    public override string PersistenceId => "rollouts";

    /// <summary>The singleton moved away: this node no longer reports rollouts.</summary>
    protected override void PostStop()
    {
        RolloutMetrics.Book([]);
        base.PostStop();
    }

    protected override IFleetEvent TakeSnapshot() => _book.ToSnapshot();

    protected override void RestoreSnapshot(object snapshot) => _book = RolloutBook.FromSnapshot((RolloutsSnapshot)snapshot);

    /// <summary>Only senders allowed to send a message reach the handlers (<see cref="CommandGuard"/>).</summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        !CommandGuard.Admit(Context, message, Context.GetLogger()) || base.AroundReceive(receive, message);

    /// <param name="store">The campaign store: it resolves artifacts and applies the directives.</param>
    /// <param name="telemetry">The telemetry ingest the gates read.</param>
    /// <param name="audit">Where transitions the gates make are audited (operators' own are audited by the API).</param>
    /// <param name="requireReview">Hold campaign rollouts at stage 1 until every copy variant of the version is approved.</param>
    public static Props Props(Func<CancellationToken, Task<IReadOnlyList<DeviceReplies.DeviceView>>> devices, TimeSpan tick, IActorRef store, IActorRef telemetry,
        CloudAudit? audit = null, TimeProvider? clock = null, bool requireReview = false) =>
        Akka.Actor.Props.Create(() => new RolloutCoordinator(devices, tick, store, telemetry, clock ?? TimeProvider.System, audit, requireReview));

    private DateTimeOffset Now => _clock.GetUtcNow();

    private void Decide((object Reply, IReadOnlyList<IFleetEvent> Events) decision, IActorRef replyTo)
    {
        var (reply, events) = decision;
        if (events.Count == 0) replyTo.Tell(reply);
        else Persist(events, () => replyTo.Tell(reply));
    }

    private void OnObservation(Observation o)
    {
        _observing = false;
        var all = new List<IFleetEvent>();
        foreach (var r in _book.Observed.ToList())
        {
            var health = o.Health.GetValueOrDefault(r.Id) ?? new TelemetryProtocol.HealthReply(HealthWindow.Empty, HealthWindow.Empty);
            var (observed, events) = RolloutBook.Step(r, o.Snapshot, health.Canary, health.Baseline);
            Sample(r.Id, health);
            _book = _book.WithObservation(observed);
            all.AddRange(events);
        }
        RolloutMetrics.Book(_book.Rollouts);
        if (all.Count > 0) Persist(all, () => { });
    }

    /// <summary>How many ticks of each rollout's cohort health are kept for its curves (at the default 1 s tick, 10 minutes).</summary>
    public const int SamplesKept = 600;

    private RolloutView View(Rollout r) => r.ToView() with { Samples = _samples.TryGetValue(r.Id, out var kept) ? kept.ToList() : null };

    // One point per tick where either cohort's window changed (an unchanged tick adds nothing to the curve).
    private void Sample(string rolloutId, TelemetryProtocol.HealthReply health)
    {
        if (!_samples.TryGetValue(rolloutId, out var kept)) _samples[rolloutId] = kept = new Queue<GateSample>();
        if (kept.Count > 0 && kept.Last() is var last && last.Canary == health.Canary && last.Baseline == health.Baseline) return;
        kept.Enqueue(new GateSample(Now, health.Canary, health.Baseline));
        while (kept.Count > SamplesKept) kept.Dequeue();
    }

    /// <summary>
    /// Persists and applies the events, then runs <paramref name="then"/> and brings the store's overlays in line. A
    /// rollout that had already ended gets no directives again: settling its device states changes nothing on devices.
    /// </summary>
    private void Persist(IReadOnlyList<IFleetEvent> events, Action then)
    {
        var ended = _book.Rollouts.Where(r => r.Terminal).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        PersistAll(events, e =>
        {
            _book = _book.Apply(e);
            RolloutMetrics.Book(_book.Rollouts);
            Note(e);
            if (!ReferenceEquals(e, events[^1])) return;
            then();
            foreach (var id in events.Cast<IRolloutEvent>().Select(x => x.RolloutId).Distinct().Where(id => !ended.Contains(id))) SendDirectives(_book.Find(id)!);
        });
    }

    private void SendDirectives(Rollout r)
    {
        var store = _store;
        foreach (var d in RolloutBook.Directives(r)) store.Tell(d, Self);
    }

    private async Task<Observation> ObserveAsync(IReadOnlyList<Rollout> active, IActorRef store, IActorRef telemetry)
    {
        using var cts = new CancellationTokenSource(AskTimeout);
        var views = await _devices(cts.Token);
        var devices = views.Where(v => v.Facts is not null)
            .Select(v => new EligibleDevice(v.DeviceId, v.Facts!.Tags, v.Connectivity == Connectivity.Up)).ToList();
        var sync = await store.Ask<CampaignReplies.SyncStatus>(new CampaignCommands.GetSyncStatus(null), AskTimeout);
        var holds = new Dictionary<string, string>(StringComparer.Ordinal);
        // Only a rollout still at its first stage can be held; later ones were approved (or started without the rule).
        if (_requireReview)
            foreach (var r in active.Where(r => r.Stage == 0 && !r.Undoing && !r.Terminal))
            {
                if (r.Kind.Reviewed(r.Def) is not { } reviewed) continue;
                var answer = await store.Ask<CampaignReplies.ReviewAnswer>(new CampaignCommands.GetReview(reviewed.CampaignId, reviewed.Version), AskTimeout);
                holds[r.Id] = answer.Review is { } view ? CopyReview.HoldReason(view) ?? "" : $"copy review: {answer.Error}";
            }
        var snapshot = new FleetSnapshot(devices, sync.Devices.ToDictionary(d => d.DeviceId, StringComparer.Ordinal), Now,
            holds.Where(h => h.Value.Length > 0).ToDictionary(StringComparer.Ordinal));
        var health = new Dictionary<string, TelemetryProtocol.HealthReply>(StringComparer.Ordinal);
        foreach (var r in active.Where(r => !r.Undoing && !r.Terminal))
        {
            var cohort = RolloutBook.CohortFor(r, snapshot);
            var baseline = RolloutBook.Eligible(r, snapshot).Select(d => d.DeviceId).Where(d => !cohort.Contains(d)).ToList();
            var canary = r.Kind.Canary(r.Def);
            health[r.Id] = await telemetry.Ask<TelemetryProtocol.HealthReply>(new TelemetryProtocol.HealthQuery(cohort.ToList(), baseline, r.StageStartedAt,
                canary.CampaignId, canary.CampaignVersion, canary.Model), AskTimeout);
        }
        return new Observation(snapshot, health);
    }

    private void Note(IFleetEvent e)
    {
        var (by, what, why) = e switch
        {
            RolloutEvents.StageEntered s => (s.By, $"stage-{s.Stage + 1}", s.Why),
            RolloutEvents.StatusChanged c => (c.By, FleetJson.Name(c.To), c.Why),
            RolloutEvents.WrittenOff w => (RolloutBook.Gates, "written-off", $"{string.Join(",", w.Devices)}: {w.Why}"),
            _ => (null, null, null),
        };
        if (e is RolloutEvents.StageEntered) RolloutMetrics.Transition("stage");
        else if (e is RolloutEvents.StatusChanged sc) RolloutMetrics.Transition(FleetJson.Name(sc.To));
        if (by == RolloutBook.Gates) _audit?.Record(by, $"rollout.{what}", ((IRolloutEvent)e).RolloutId, why);
        switch (e)
        {
            case RolloutEvents.Started s: _log.Info("rollout {0}: {1} started by {2} (stages {3})", s.RolloutId, s.Artifact, s.By, string.Join(",", s.Stages)); break;
            case RolloutEvents.StageEntered s: _log.Info("rollout {0}: stage {1} by {2}: {3}", s.RolloutId, s.Stage + 1, s.By, s.Why); break;
            case RolloutEvents.StatusChanged c: _log.Info("rollout {0}: {1} by {2}: {3}", c.RolloutId, FleetJson.Name(c.To), c.By, c.Why); break;
            case RolloutEvents.WrittenOff w: _log.Warning("rollout {0}: wrote off {1}: {2}", w.RolloutId, string.Join(",", w.Devices), w.Why); break;
        }
    }

    private sealed record Resolved(Start Cmd, object Reply, IActorRef ReplyTo);

    private sealed record Observation(FleetSnapshot Snapshot, IReadOnlyDictionary<string, TelemetryProtocol.HealthReply> Health);

    private sealed record ObservationFailed(string Why);

    private sealed class Tick : IDeadLetterSuppression
    {
        public static readonly Tick Instance = new();
    }
}

/// <summary>Registry key of the rollout coordinator singleton (or its proxy).</summary>
public sealed class RolloutCoordinatorKey;

public static class RolloutWiring
{
    public static AkkaConfigurationBuilder AddRollouts(this AkkaConfigurationBuilder b, bool isControl,
        Func<CancellationToken, Task<IReadOnlyList<DeviceReplies.DeviceView>>> devices, TimeSpan tick, CloudAudit audit, bool requireReview = false)
    {
        var options = new ClusterSingletonOptions { Role = FleetCluster.ControlRole };
        return isControl
            ? b.WithSingleton<RolloutCoordinatorKey>(ActorNames.Singletons.Rollouts, (_, registry, _) => SingletonSupervision.Props(
                RolloutCoordinator.Props(devices, tick, registry.Get<CampaignStore>(), registry.Get<TelemetryIngestKey>(), audit, requireReview: requireReview),
                ActorNames.Singletons.Rollouts), options)
            : b.WithSingletonProxy<RolloutCoordinatorKey>(ActorNames.Singletons.Rollouts, options);
    }
}
