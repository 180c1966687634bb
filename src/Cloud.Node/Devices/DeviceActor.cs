using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Tokens;
using Fleet.Shared.Devices;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Devices.DeviceCommands;

namespace Fleet.Cloud.Devices;

/// <summary>The sharded, persistent registry entity of one device: persists what <see cref="DeviceState"/> decides.</summary>
public sealed class DeviceActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DeviceState _state;

    /// <param name="trust">The fleet CA check when remoting runs with mutual TLS; null on an <c>--insecure-dev</c> cluster.</param>
    public DeviceActor(string deviceId, FleetTrust? trust)
    {
        _state = new DeviceState(deviceId);
        PersistenceId = "device-" + deviceId;

        Recover<IFleetEvent>(e => _state = _state.Apply(e));
        // Connectivity lives in memory. An entity started again (hand-over to another control node, passivation)
        // reads it from membership; otherwise a device that stayed connected is listed offline until it registers again.
        Recover<RecoveryCompleted>(_ =>
        {
            if (_state.IsRegistered && DeviceLivenessWatcher.CurrentOf(deviceId, Akka.Cluster.Cluster.Get(Context.System).State) is (var state, var address))
                _state = _state.AsMember(address, state);
        });

        Command<Register>(cmd =>
        {
            var now = DateTimeOffset.UtcNow;
            if (trust is not null && RegistrationProof.Check(trust, cmd, now) is { } unproven)
            {
                // An impostor changes nothing here: no event, no remembered entity; its node is removed from the cluster.
                RefuseAndDown(cmd.DeviceId, unproven);
                LingerIfUnknown();
                return;
            }
            var (reply, events) = _state.Handle(cmd, now);
            if (reply is DeviceReplies.Registered) _state = _state.AsMember(cmd.Address, Connectivity.Up);
            else if (_state.RevokedAt is not null) { RefuseAndDown(cmd.DeviceId, ((DeviceReplies.Refused)reply).Reason); return; }
            else _log.Warning("refused registration of {0}: {1}", cmd.DeviceId, ((DeviceReplies.Refused)reply).Reason);
            PersistAndReply(events, reply, reply is DeviceReplies.Registered ok ? WithCredentials(ok) : null);
        });
        Command<IssueEnrolmentCode>(cmd => Decide(_state.Handle(cmd, DateTimeOffset.UtcNow)));
        Command<CheckEnrolmentCode>(cmd =>
        {
            // A query: a wrong code for an id nobody enrolled leaves no event and no remembered entity.
            Sender.Tell(_state.Handle(cmd, DateTimeOffset.UtcNow));
            LingerIfUnknown();
        });
        Command<RedeemEnrolmentCode>(cmd => Decide(_state.Handle(cmd, DateTimeOffset.UtcNow)));
        Command<RecordEnrolment>(cmd => Decide(_state.Handle(cmd, DateTimeOffset.UtcNow)));
        Command<Revoke>(cmd =>
        {
            var (reply, events) = _state.Handle(cmd, DateTimeOffset.UtcNow);
            if (reply.Known && events.Count > 0) _log.Warning("device {0} revoked by {1}", cmd.DeviceId, cmd.By);
            Decide((reply, events));
        });
        Command<Heartbeat>(hb =>
        {
            var now = DateTimeOffset.UtcNow;
            var events = _state.Handle(hb, now);
            if (_state.Facts?.InstallationId == hb.InstallationId) _state = _state.Touch(now);
            PersistAll(events, e => _state = _state.Apply(e));
        });
        Command<ConnectivityChanged>(change =>
        {
            // Membership news about a device that never registered must not keep a remembered entity.
            if (!_state.IsRegistered) { LingerIfUnknown(); return; }
            _state = _state.With(change);
        });
        Command<Get>(_ =>
        {
            Sender.Tell(_state.ToView());
            LingerIfUnknown();
        });
        Command<ReceiveTimeout>(_ =>
        {
            if (_state.IsKnown) Context.SetReceiveTimeout(null);
            else Context.Parent.Tell(new Passivate(Stop.Instance));
        });
        Command<Stop>(_ => Context.Stop(Self));
    }

    /// <summary>
    /// How long an entity without a record stays after a lookup or membership news. Listings look up devices that have
    /// joined but not yet registered; passivating at once raced their registration (the entity stopped right after it
    /// registered, and came back without its live connectivity).
    /// </summary>
    private static readonly TimeSpan UnknownLinger = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Passivation and shard hand-off stop an entity with this command rather than a PoisonPill: a command waits while
    /// an event is being persisted, a PoisonPill does not, and the reply to the device would be lost.
    /// </summary>
    public sealed class Stop
    {
        public static readonly Stop Instance = new();
        private Stop() { }
    }

    /// <summary>A lookup of an unknown id must not leave a remembered, empty entity behind for long.</summary>
    private void LingerIfUnknown()
    {
        if (!_state.IsKnown) Context.SetReceiveTimeout(UnknownLinger);
    }

    private static readonly TimeSpan TokenIssueTimeout = TimeSpan.FromSeconds(10);

    private void Decide((object Reply, IReadOnlyList<IFleetEvent> Events) decision)
    {
        PersistAndReply(decision.Events, decision.Reply);
        if (decision.Events.Count == 0) LingerIfUnknown();
    }

    private void RefuseAndDown(string deviceId, string reason)
    {
        var from = Sender.Path.Address;
        _log.Warning("refused registration of {0} from {1}: {2}", deviceId, from, reason);
        Sender.Tell(new DeviceReplies.Refused(deviceId, reason));
        if (from.HasGlobalScope) Akka.Cluster.Cluster.Get(Context.System).Down(from);
    }

    public override string PersistenceId { get; }

    public static Props Props(string deviceId, FleetTrust? trust) => Akka.Actor.Props.Create(() => new DeviceActor(deviceId, trust));

    private void PersistAndReply(IReadOnlyList<IFleetEvent> events, object reply, Action<IActorRef>? replyWith = null)
    {
        var sender = Sender;
        var send = replyWith ?? (s => s.Tell(reply));
        if (events.Count == 0) { send(sender); return; }
        var remaining = events.Count;
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            if (--remaining == 0) send(sender);
        });
    }

    /// <summary>
    /// A registered device is answered at once, then gets its API token in a second reply that carries it (a fresh one
    /// each registration, replacing the last): registration never waits for the token store, which may still be starting.
    /// </summary>
    private Action<IActorRef> WithCredentials(DeviceReplies.Registered reply) => sender =>
    {
        sender.Tell(reply);
        if (!ActorRegistry.For(Context.System).TryGet<TokenStore>(out var tokens)) return;
        tokens.Ask<TokenReplies.DeviceToken>(new TokenCommands.IssueDeviceToken(reply.DeviceId), TokenIssueTimeout)
            .ContinueWith(t => { if (t.IsCompletedSuccessfully) sender.Tell(reply with { Credentials = new DeviceCredentials(t.Result.Token, t.Result.ApiUrl) }); },
                TaskScheduler.Default);
    };
}
