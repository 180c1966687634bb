using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
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
            PersistAndReply(events, reply);
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

    public override string PersistenceId { get; }

    public static Props Props(string deviceId) => Akka.Actor.Props.Create(() => new DeviceActor(deviceId));

    private void PersistAndReply(IReadOnlyList<IFleetEvent> events, object reply)
    {
        var sender = Sender;
        if (events.Count == 0) { sender.Tell(reply); return; }
        var remaining = events.Count;
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            if (--remaining == 0) sender.Tell(reply);
        });
    }
}
