using System.Text.Json;
using Akka.Actor;
using Fleet.Cloud.Authority;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Persistence;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tracing;
using static Fleet.Shared.KillSwitch.KillCommands;

namespace Fleet.Cloud.KillSwitch;

/// <summary>
/// The one authority that issues kill directives (a persistent cluster singleton on <c>control</c>): persists each
/// change, signs the resulting policy and broadcasts it to every device; records acknowledgements. A control node
/// that takes over recovers the state from the journal and re-broadcasts, so no device misses a kill.
/// </summary>
public sealed class KillSwitchAuthority : SnapshottingActor
{
    /// <summary>
    /// Pub-sub is not reliable delivery: a device whose subscription has not reached this node yet misses a broadcast.
    /// So the policy is repeated — often right after a change, then slowly forever — and devices re-acknowledge.
    /// </summary>
    private static readonly TimeSpan FastRepeat = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FastRepeatFor = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SlowRepeat = TimeSpan.FromSeconds(30);
    private DateTimeOffset _changedAt = DateTimeOffset.MinValue;

    /// <summary>How long recorded acks wait to be written together: at 10,000 devices a change brings 10,000 acks within seconds.</summary>
    private static readonly TimeSpan DefaultAckWriteDelay = TimeSpan.FromMilliseconds(200);
    private readonly TimeSpan _ackWriteDelay;
    private readonly List<KillEvents.Acked> _unwritten = new();

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SigningKeyRing _keys;
    private readonly TrustUpdateIssuer _trust;
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private KillSwitchState _state = new();
    /// <summary>The broadcast span of the change that made the current epoch: every repeat of that epoch carries it.</summary>
    private string? _trace;

    public KillSwitchAuthority(SigningKeyRing keys, TrustUpdateIssuer trust, TimeSpan ackWriteDelay)
    {
        _keys = keys;
        _trust = trust;
        _ackWriteDelay = ackWriteDelay;
        Recover<IFleetEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            KillMetrics.State(_state);
            if (_state.Epoch > 0) Changed();
        });
        Command<Repeat>(_ =>
        {
            Broadcast();
            // After the fast window, one timer at the slow pace (restarting a timer under the same key replaces it).
            if (DateTimeOffset.UtcNow - _changedAt >= FastRepeatFor) Timers.StartPeriodicTimer(Repeat.Instance, Repeat.Instance, SlowRepeat);
        });
        Command<Engage>(cmd => Decide(_state.Handle(cmd, DateTimeOffset.UtcNow), $"engaged {cmd.Scope} by {cmd.IssuedBy}",
            FleetTraces.Cloud.Start("kill.engage", cmd.TraceParent)?.SetTag("kill.scope", cmd.Scope.ToString())));
        Command<Release>(cmd => Decide(_state.Handle(cmd, DateTimeOffset.UtcNow), $"released {cmd.Id} by {cmd.IssuedBy}", null));
        // Every device acknowledges every change: recorded at once, written together a moment later (one row for the
        // acks of many devices, not one each). A lost write costs little: devices acknowledge the repeats again.
        Command<Ack>(ack =>
        {
            if (_state.Handle(ack, DateTimeOffset.UtcNow) is not { } acked) return;
            _state = _state.Apply(acked);
            // The device's trace context is only this span's parent: it joins the ack to the change's trace.
            FleetTraces.Cloud.Start("kill.ack", ack.TraceParent)?.SetTag("fleet.device_id", ack.DeviceId).SetTag("kill.epoch", ack.Epoch).Dispose();
            KillMetrics.Acknowledged(_state, ack.Epoch, DateTimeOffset.UtcNow);
            KillMetrics.State(_state);
            _unwritten.Add(acked);
            if (!Timers.IsTimerActive(WriteAcks.Instance)) Timers.StartSingleTimer(WriteAcks.Instance, WriteAcks.Instance, _ackWriteDelay);
        });
        Command<WriteAcks>(_ => WriteUnwrittenAcks());
        Command<Sync>(_ => Sender.Tell(Sign()));
        Command<GetState>(_ => Sender.Tell(_state.ToView()));
    }

    public override string PersistenceId => "kill-switch";

    /// <summary>The singleton moved away: this node no longer reports the kill switch.</summary>
    protected override void PostStop()
    {
        KillMetrics.State(null);
        base.PostStop();
    }

    /// <remarks>Acknowledgements are applied before their write completes; replaying one over the snapshot changes nothing.</remarks>
    protected override IFleetEvent TakeSnapshot() => _state.ToSnapshot();

    protected override void RestoreSnapshot(object snapshot) => _state = KillSwitchState.FromSnapshot((KillSwitchSnapshot)snapshot);

    /// <summary>Only senders allowed to send a message reach the handlers (<see cref="CommandGuard"/>).</summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        !CommandGuard.Admit(Context, message, Context.GetLogger()) || base.AroundReceive(receive, message);

    public static Props Props(SigningKeyRing keys, TrustUpdateIssuer trust, TimeSpan? ackWriteDelay = null)
    {
        var delay = ackWriteDelay ?? DefaultAckWriteDelay;
        return Akka.Actor.Props.Create(() => new KillSwitchAuthority(keys, trust, delay));
    }

    /// <param name="span">The change's span (engage), ended once persisted and broadcast; null when not tracing.</param>
    private void Decide((Result Result, IReadOnlyList<IFleetEvent> Events) decision, string what, System.Diagnostics.Activity? span)
    {
        var sender = Sender;
        WriteUnwrittenAcks();
        if (decision.Result.Error is not null)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, decision.Result.Error).Dispose();
            sender.Tell(decision.Result);
            return;
        }
        PersistAll(decision.Events, e =>
        {
            _state = _state.Apply(e);
            KillMetrics.State(_state);
            _log.Warning("kill-switch epoch {0}: {1}", _state.Epoch, what);
            Changed(span);
            span = null;
            sender.Tell(decision.Result);
        });
    }

    /// <summary>Broadcast now, then repeat fast for a while; the broadcast is a span under the change's, when traced.</summary>
    private void Changed(System.Diagnostics.Activity? change = null)
    {
        _changedAt = DateTimeOffset.UtcNow;
        using (var broadcast = change is null ? null : FleetTraces.Cloud.Start("kill.broadcast", change.Id)?.SetTag("kill.epoch", _state.Epoch))
        {
            _trace = broadcast.TraceParent();
            Broadcast();
        }
        change?.SetTag("kill.epoch", _state.Epoch).Dispose();
        Timers.StartPeriodicTimer(Repeat.Instance, Repeat.Instance, FastRepeat);
    }

    private void WriteUnwrittenAcks()
    {
        if (_unwritten.Count == 0) return;
        var batch = new KillEvents.AckedBatch(_unwritten.ToList());
        _unwritten.Clear();
        PersistAsync(batch, _ => { });
    }

    private void Broadcast() => _mediator.Tell(new Publish(KillSwitchTopics.Policy, Sign()));

    private sealed class Repeat : IDeadLetterSuppression
    {
        public static readonly Repeat Instance = new();
    }

    private sealed class WriteAcks : IDeadLetterSuppression
    {
        public static readonly WriteAcks Instance = new();
    }

    private SignedKillPolicy Sign()
    {
        var policy = _state.Policy(DateTimeOffset.UtcNow);
        var envelope = _keys.Sign(JsonSerializer.SerializeToUtf8Bytes(policy, FleetJson.Options));
        return new SignedKillPolicy(envelope.ToJson(), policy.Epoch, _keys.ExportTrustSetText(),
            _trust.Current(), _trace);
    }
}
