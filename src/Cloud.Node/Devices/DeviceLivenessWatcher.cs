using Akka.Actor;
using Akka.Cluster;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;

namespace Fleet.Cloud.Devices;

/// <summary>
/// Turns cluster membership into live device connectivity: every edge member carries a <c>device-ID</c> role, so a
/// member event names its device without any lookup table. One watcher runs on each control node; repeats are harmless.
/// </summary>
public sealed class DeviceLivenessWatcher : ReceiveActor
{
    public DeviceLivenessWatcher(IActorRef devices)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);

        void Report(Member m, Connectivity state)
        {
            if (FleetCluster.DeviceIdOf(m.Roles) is { } id && DeviceId.IsValid(id))
                devices.Tell(new DeviceCommands.ConnectivityChanged(id, state, m.Address.ToString(), DateTimeOffset.UtcNow));
        }

        // Up is reported by the device's own registration; here only the losses and recoveries.
        Receive<ClusterEvent.UnreachableMember>(e => Report(e.Member, Connectivity.Unreachable));
        Receive<ClusterEvent.ReachableMember>(e => Report(e.Member, Connectivity.Up));
        Receive<ClusterEvent.MemberRemoved>(e => Report(e.Member, Connectivity.Offline));
        Receive<ClusterEvent.IMemberEvent>(_ => { });

        cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>
    /// The same rule read from a snapshot of membership, for a registry entity started again after its device's events
    /// went by: the device's Up or WeaklyUp member, a reachable one first; null when the device is not a member.
    /// </summary>
    public static (Connectivity State, string Address)? CurrentOf(string deviceId, ClusterEvent.CurrentClusterState cluster)
    {
        var role = FleetCluster.DeviceRole(deviceId);
        var members = cluster.Members.Where(m => m.HasRole(role) && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp).ToList();
        var member = members.FirstOrDefault(m => !cluster.Unreachable.Contains(m)) ?? members.FirstOrDefault();
        if (member is null) return null;
        return (cluster.Unreachable.Contains(member) ? Connectivity.Unreachable : Connectivity.Up, member.Address.ToString());
    }
}
