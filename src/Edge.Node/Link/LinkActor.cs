using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Fleet.Edge.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.KillSwitch;
using Akka.Cluster.Tools.PublishSubscribe;

namespace Fleet.Edge.Link;

/// <summary>
/// The cloud link: the only edge actor that talks to the control plane. It registers the device once this node is Up,
/// retries until the registry answers, then keeps last-seen fresh with heartbeats. If the cloud refuses the device
/// (duplicate id) it ends the session so the agent exits with the reason instead of retrying. Telemetry is uploaded by
/// its child <see cref="TelemetryUploader"/>.
/// </summary>
public sealed class LinkActor : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);
    /// <summary>
    /// With no reachable control node for this long the session ends so the agent rejoins from scratch: a cloud that
    /// left gracefully is never "unreachable", so the split-brain resolver alone would leave devices orphaned.
    /// </summary>
    public static readonly TimeSpan OrphanedAfter = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RegisterTimeout = TimeSpan.FromSeconds(3);

    private readonly DeviceFacts _facts;
    private readonly IActorRef _registry;
    private readonly IActorRef _killAuthority;
    private readonly IActorRef _policy;
    private readonly IActorRef _campaigns;
    private readonly IActorRef _manifests;
    private readonly LinkSession _session;
    private readonly Func<string, DeviceProof?> _prove;
    private readonly TelemetryUplink? _uplink;
    private readonly EventStream _localEvents;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private int _registerAttempts;
    private readonly HashSet<Address> _reachableControl = new();

    public LinkActor(MembershipLinkSettings settings, LinkSession session)
    {
        _localEvents = settings.Local.Events;
        _prove = settings.Prove;
        _campaigns = settings.Campaigns;
        _manifests = settings.Local.Manifests;
        _facts = settings.Facts;
        _registry = settings.Registry;
        _killAuthority = settings.KillAuthority;
        _policy = settings.Local.Policy;
        _session = session;
        _uplink = settings.Uplink;
        Joining();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(MembershipLinkSettings settings, LinkSession session) => Akka.Actor.Props.Create(() => new LinkActor(settings, session));

    protected override void PreStart()
    {
        var self = Self; // the callback runs outside this actor, where Self means something else
        _cluster.RegisterOnMemberUp(() => self.Tell(SelfUp.Instance));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(KillSwitchTopics.Policy, Self));
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(AssignmentTable.Topic, Self));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    /// <summary>Tracks reachable control nodes in every state; losing the last one starts the orphan timer.</summary>
    private void Membership()
    {
        Receive<ClusterEvent.MemberUp>(e => e.Member.HasRole(FleetCluster.ControlRole), e => ControlSeen(e.Member.Address));
        // While many devices join at once, convergence (and so Up) waits for the slowest; WeaklyUp is enough to register.
        Receive<ClusterEvent.MemberWeaklyUp>(e => e.Member.Address == _cluster.SelfAddress, _ => Self.Tell(SelfUp.Instance));
        Receive<ClusterEvent.ReachableMember>(e => e.Member.HasRole(FleetCluster.ControlRole), e => ControlSeen(e.Member.Address));
        Receive<ClusterEvent.UnreachableMember>(e => e.Member.HasRole(FleetCluster.ControlRole), e => ControlLost(e.Member.Address));
        Receive<ClusterEvent.MemberExited>(e => e.Member.HasRole(FleetCluster.ControlRole), e => ControlLost(e.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(e => e.Member.HasRole(FleetCluster.ControlRole), e => ControlLost(e.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });
        Receive<Orphaned>(_ =>
        {
            if (_reachableControl.Count > 0) return;
            AgentLog.Write($"no control node reachable for {OrphanedAfter.TotalSeconds:0}s; leaving to rejoin");
            CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        });
    }

    private void ControlSeen(Address a)
    {
        _reachableControl.Add(a);
        Timers.Cancel(Orphaned.Instance);
    }

    private void ControlLost(Address a)
    {
        if (_reachableControl.Remove(a) && _reachableControl.Count == 0)
            Timers.StartSingleTimer(Orphaned.Instance, Orphaned.Instance, OrphanedAfter);
    }

    private void Joining()
    {
        Membership();
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
        Membership();
        Receive<DeviceReplies.Registered>(r =>
        {
            Timers.Cancel(RetryRegister.Instance);
            AgentLog.Write($"registered as {r.DeviceId} ({(r.FirstTime ? "new device" : "known device")})");
            _session.MarkRegistered(r.DeviceId);
            Timers.StartPeriodicTimer(SendHeartbeat.Instance, SendHeartbeat.Instance, HeartbeatInterval);
            // Telemetry leaves the device only through the link: its uploader is a child, started once registered.
            if (_uplink is not null && Context.Child("telemetry-upload").IsNobody())
                Context.ActorOf(TelemetryUploader.Props(_uplink, _facts.DeviceId, _facts.Tags), ActorNames.Edge.TelemetryUpload);
            SyncKillPolicy();
            PassCredentials(r);
            _campaigns.Tell(new GetAssignmentTable(_facts.DeviceId));
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
        // Credentials carry the API address of the control node that issued them. Once a control node is gone for good
        // that address may be dead: fresh credentials are asked for with the next heartbeat, from whichever control node
        // now hosts the token store, so downloads follow the control plane.
        Receive<ClusterEvent.MemberRemoved>(e => e.Member.HasRole(FleetCluster.ControlRole), e =>
        {
            ControlLost(e.Member.Address);
            _hasCredentials = false;
        });
        Membership();
        // The kill policy, on sync or broadcast, goes to the policy actor; its acknowledgement comes back here.
        Receive<SignedKillPolicy>(p =>
        {
            Timers.Cancel(RetrySync.Instance);
            _policy.Tell(p);
        });
        Receive<KillCommands.Ack>(ack => _killAuthority.Tell(ack with { DeviceId = _facts.DeviceId }));
        Receive<RetrySync>(_ => SyncKillPolicy());
        Receive<SubscribeAck>(_ => { });
        Receive<SendHeartbeat>(_ =>
        {
            _registry.Tell(new DeviceCommands.Heartbeat(_facts.DeviceId, _facts.InstallationId));
            // Broadcasts can be missed (subscription not yet gossiped, a restart): the table is also pulled.
            _campaigns.Tell(new GetAssignmentTable(_facts.DeviceId));
            // The token comes in a second registration reply; if the token store was not there yet, register again.
            if (!_hasCredentials)
            {
                var address = _cluster.SelfAddress.ToString();
                _registry.Tell(new DeviceCommands.Register(_facts, address, _prove(address)));
            }
        });
        // A late answer to a retried registration carries the newest token, which replaced the earlier one.
        Receive<DeviceReplies.Registered>(PassCredentials);
        Receive<AssignmentTable>(t => _manifests.Tell(t));
        Receive<DeviceSyncReport>(r => _campaigns.Tell(r));
    }

    private void PassCredentials(DeviceReplies.Registered r)
    {
        if (r.Credentials is not { } c) return;
        _hasCredentials = true;
        _manifests.Tell(c);
        // The render pipeline delegates cloud renders over the API with the same device token.
        _localEvents.Publish(c);
    }

    private bool _hasCredentials;

    /// <summary>Before its first render in a session a device fetches the current kill policy; retried until answered.</summary>
    private void SyncKillPolicy()
    {
        _killAuthority.Tell(new KillCommands.Sync(_facts.DeviceId));
        Timers.StartSingleTimer(RetrySync.Instance, RetrySync.Instance, RegisterTimeout);
    }

    private void SendRegistration()
    {
        _registerAttempts++;
        if (_registerAttempts > 1) AgentLog.Write($"registration attempt {_registerAttempts}: no answer from the registry yet, retrying");
        var address = _cluster.SelfAddress.ToString();
        _registry.Tell(new DeviceCommands.Register(_facts, address, _prove(address)));
        Timers.StartSingleTimer(RetryRegister.Instance, RetryRegister.Instance, RegisterTimeout);
    }

    private sealed class SelfUp
    {
        public static readonly SelfUp Instance = new();
    }

    private sealed class RetrySync : IDeadLetterSuppression
    {
        public static readonly RetrySync Instance = new();
    }

    private sealed class Orphaned : IDeadLetterSuppression
    {
        public static readonly Orphaned Instance = new();
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

/// <summary>
/// What the development-membership link needs: the device's facts, the cloud actors it talks to through this session's
/// proxies (device shard, kill-switch authority, campaign store) and the node's long-lived actors it feeds.
/// </summary>
/// <param name="Prove">Signs a registration with the device certificate's key (null proof on an insecure development cluster).</param>
/// <param name="Local">The device node's actors and event stream (this session's system is a different one): credentials go to its events.</param>
public sealed record MembershipLinkSettings(
    DeviceFacts Facts,
    Func<string, DeviceProof?> Prove,
    IActorRef Registry,
    IActorRef KillAuthority,
    IActorRef Campaigns,
    LocalDevice Local,
    TelemetryUplink? Uplink = null);
