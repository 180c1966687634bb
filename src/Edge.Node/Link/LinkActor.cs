using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Fleet.Edge.Hosting;
using Fleet.Shared.Devices;

namespace Fleet.Edge.Link;

/// <summary>
/// The cloud link: the only edge actor that talks to the control plane. It registers the device once this node is Up,
/// retries until the registry answers, then keeps last-seen fresh with heartbeats. If the cloud refuses the device
/// (duplicate id) it ends the session so the agent exits with the reason instead of retrying.
/// </summary>
public sealed class LinkActor : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RegisterTimeout = TimeSpan.FromSeconds(3);

    private readonly DeviceFacts _facts;
    private readonly IActorRef _registry;
    private readonly LinkSession _session;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private int _registerAttempts;

    public LinkActor(DeviceFacts facts, IActorRef registry, LinkSession session)
    {
        _facts = facts;
        _registry = registry;
        _session = session;
        Joining();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DeviceFacts facts, IActorRef registry, LinkSession session) =>
        Akka.Actor.Props.Create(() => new LinkActor(facts, registry, session));

    protected override void PreStart()
    {
        var self = Self; // the callback runs outside this actor, where Self means something else
        _cluster.RegisterOnMemberUp(() => self.Tell(SelfUp.Instance));
    }

    private void Joining()
    {
        Receive<SelfUp>(_ =>
        {
            _session.Joined = true;
            AgentLog.Write($"joined the fleet cluster as {_cluster.SelfAddress}");
            SendRegistration();
            Become(Registering);
        });
    }

    private void Registering()
    {
        Receive<DeviceReplies.Registered>(r =>
        {
            Timers.Cancel(RetryRegister.Instance);
            AgentLog.Write($"registered as {r.DeviceId} ({(r.FirstTime ? "new device" : "known device")})");
            _session.MarkRegistered(r.DeviceId);
            Timers.StartPeriodicTimer(SendHeartbeat.Instance, SendHeartbeat.Instance, HeartbeatInterval);
            Become(Registered);
        });
        Receive<DeviceReplies.Refused>(r =>
        {
            AgentLog.Write($"the cloud refused this device: {r.Reason}");
            _session.RefusedReason = r.Reason;
            _cluster.Leave(_cluster.SelfAddress);
            CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        });
        Receive<RetryRegister>(_ => SendRegistration());
    }

    private void Registered()
    {
        Receive<SendHeartbeat>(_ => _registry.Tell(new DeviceCommands.Heartbeat(_facts.DeviceId, _facts.InstallationId)));
        Receive<DeviceReplies.Registered>(_ => { });
    }

    private void SendRegistration()
    {
        _registerAttempts++;
        if (_registerAttempts > 1) AgentLog.Write($"registration attempt {_registerAttempts}: no answer from the registry yet, retrying");
        _registry.Tell(new DeviceCommands.Register(_facts, _cluster.SelfAddress.ToString()));
        Timers.StartSingleTimer(RetryRegister.Instance, RetryRegister.Instance, RegisterTimeout);
    }

    private sealed class SelfUp
    {
        public static readonly SelfUp Instance = new();
    }

    private sealed class RetryRegister : IDeadLetterSuppression
    {
        public static readonly RetryRegister Instance = new();
    }

    private sealed class SendHeartbeat : IDeadLetterSuppression
    {
        public static readonly SendHeartbeat Instance = new();
    }
}
