using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Tokens;
using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Devices.DeviceCommands;

namespace Fleet.Cloud.Devices;

/// <summary>The sharded, persistent registry entity of one device: persists what <see cref="DeviceState"/> decides.</summary>
public sealed class DeviceActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DeviceState _state;

    public DeviceActor(string deviceId)
    {
        _state = new DeviceState(deviceId);
        PersistenceId = "device-" + deviceId;

        Recover<IFleetEvent>(e => _state = _state.Apply(e));

        Command<Register>(cmd =>
        {
            var now = DateTimeOffset.UtcNow;
            var (reply, events) = _state.Handle(cmd, now);
            if (reply is DeviceReplies.Registered) _state = _state.Registering(cmd);
            else _log.Warning("refused registration of {0}: {1}", cmd.DeviceId, ((DeviceReplies.Refused)reply).Reason);
            PersistAndReply(events, reply, reply is DeviceReplies.Registered ok ? WithCredentials(ok) : null);
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
            // Membership news about a device that never registered must not create a remembered entity.
            if (!_state.IsRegistered) { Context.Parent.Tell(new Passivate(PoisonPill.Instance)); return; }
            _state = _state.With(change);
        });
        Command<Get>(_ =>
        {
            Sender.Tell(_state.ToView());
            // A lookup of an unknown id must not leave a remembered, empty entity behind.
            if (!_state.IsRegistered) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
    }

    private static readonly TimeSpan TokenIssueTimeout = TimeSpan.FromSeconds(3);

    public override string PersistenceId { get; }

    public static Props Props(string deviceId) => Akka.Actor.Props.Create(() => new DeviceActor(deviceId));

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
    /// A registered device gets its API token in the same reply (a fresh one each registration, replacing the last).
    /// Without an answer from the token store the reply goes without it; the device retries its registration anyway.
    /// </summary>
    private Action<IActorRef> WithCredentials(DeviceReplies.Registered reply) => sender =>
    {
        if (!ActorRegistry.For(Context.System).TryGet<TokenStore>(out var tokens)) { sender.Tell(reply); return; }
        tokens.Ask<TokenReplies.DeviceToken>(new TokenCommands.IssueDeviceToken(reply.DeviceId), TokenIssueTimeout)
            .PipeTo(sender, success: t => reply with { Credentials = new DeviceCredentials(t.Token, t.ApiUrl) }, failure: _ => reply);
    };
}
