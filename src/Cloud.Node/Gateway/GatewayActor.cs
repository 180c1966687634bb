using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Tracing;

namespace Fleet.Cloud.Gateway;

/// <summary>
/// The parent of every device connection on this gateway. Broadcasts travel between cloud nodes only: this actor holds
/// the gateway's one subscription to each topic (kill policy, assignment table, revocations) and fans each message
/// out to its connections, so a change costs the cluster one message per gateway, not one per device.
/// </summary>
public sealed class GatewayActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _deviceOf = new();
    private long _opened;
    /// <summary>The epoch whose fan-out was traced here, and that span's context, which every repeat of the epoch carries on.</summary>
    private (long Epoch, string TraceParent)? _traced;

    public GatewayActor(GatewayTargets targets, GatewayLimits limits)
    {
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        mediator.Tell(new Subscribe(KillSwitchTopics.Policy, Self));
        mediator.Tell(new Subscribe(AssignmentTable.Topic, Self));
        mediator.Tell(new Subscribe(RevocationNotice.Topic, Self));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));

        Receive<Open>(o =>
        {
            // A device that reconnects before its old stream timed out: the newest stream wins.
            if (_connections.TryGetValue(o.DeviceId, out var old)) Context.Stop(old);
            var connection = Context.ActorOf(DeviceConnection.Props(o.DeviceId, o.Outbox, targets, limits, o.CertificateNotAfter),
                GatewayPaths.ConnectionName(o.DeviceId, ++_opened));
            Context.Watch(connection);
            _connections[o.DeviceId] = connection;
            _deviceOf[connection] = o.DeviceId;
            GatewayMetrics.Connected(_connections.Count);
            Sender.Tell(connection);
        });
        Receive<Terminated>(t =>
        {
            if (!_deviceOf.Remove(t.ActorRef, out var id)) return;
            if (_connections.TryGetValue(id, out var current) && current.Equals(t.ActorRef)) _connections.Remove(id);
            GatewayMetrics.Connected(_connections.Count);
        });
        Receive<SignedKillPolicy>(p => FanOut(Traced(p)));
        Receive<AssignmentTable>(FanOut);
        Receive<RevocationNotice>(n =>
        {
            if (!_connections.TryGetValue(n.DeviceId, out var connection)) return;
            _log.Warning("device {0} was revoked: closing its stream", n.DeviceId);
            connection.Tell(new DeviceConnection.Close($"device '{n.DeviceId}' is revoked"));
        });
        // Credentials name the API of the control node that issued them, and the kill authority may have moved: once a
        // control node is gone, devices ask for fresh credentials and acknowledge the policy again.
        Receive<ClusterEvent.MemberRemoved>(e => e.Member.HasRole(FleetCluster.ControlRole), _ => FanOut(DeviceConnection.ControlNodeGone.Instance));
        Receive<ClusterEvent.MemberRemoved>(_ => { });
        Receive<GetConnected>(_ => Sender.Tell(new Connected(_connections.Keys.Order(StringComparer.Ordinal).ToList())));
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    public static Props Props(GatewayTargets targets, GatewayLimits limits) => Akka.Actor.Props.Create(() => new GatewayActor(targets, limits));

    /// <summary>
    /// A traced policy fanned out here for the first time is a span under the authority's broadcast; the devices get
    /// this gateway's span as their parent. Repeats of the epoch carry the same span and start none.
    /// </summary>
    private SignedKillPolicy Traced(SignedKillPolicy policy)
    {
        if (policy.TraceParent is null) return policy;
        if (_traced is { } t && t.Epoch == policy.Epoch) return policy with { TraceParent = t.TraceParent };
        using var span = FleetTraces.Cloud.Start("kill.gateway-fan-out", policy.TraceParent)?.SetTag("kill.epoch", policy.Epoch)
            .SetTag("fleet.gateway.devices", _connections.Count);
        if (span?.Id is not { } id) return policy;
        _traced = (policy.Epoch, id);
        return policy with { TraceParent = id };
    }

    private void FanOut(object broadcast)
    {
        foreach (var connection in _connections.Values) connection.Tell(broadcast);
    }

    /// <summary>A device's stream opened: answered with the connection actor its frames go to.</summary>
    public sealed record Open(string DeviceId, ChannelWriter<CloudFrame> Outbox, DateTimeOffset? CertificateNotAfter = null);

    public sealed class GetConnected
    {
        public static readonly GetConnected Instance = new();
    }

    /// <summary>The devices with a stream on this gateway now.</summary>
    public sealed record Connected(IReadOnlyList<string> DeviceIds);
}

/// <summary>Registry key of this node's gateway actor.</summary>
public sealed class GatewayKey;
