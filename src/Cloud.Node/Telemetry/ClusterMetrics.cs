using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Cluster;
using Fleet.Shared.Cluster;

namespace Fleet.Cloud.Telemetry;

/// <summary>
/// The control nodes as this node's cluster view sees them, read at scrape time: up and reachable, or up but
/// unreachable. Fewer than a majority reachable is a lost quorum (singletons cannot move, the split-brain resolver
/// downs the minority).
/// </summary>
public static class ClusterMetrics
{
    private static volatile ActorSystem? _system;

    static ClusterMetrics() =>
        CloudMetrics.Meter.CreateObservableGauge("fleet_cluster_control_nodes", ControlNodes,
            description: "control nodes that are members, by state (reachable, unreachable) as this node sees them");

    public static void Observe(ActorSystem system) => _system = system;

    private static IEnumerable<Measurement<int>> ControlNodes()
    {
        if (_system is not { WhenTerminated.IsCompleted: false } system) return [];
        var state = Cluster.Get(system).State;
        var control = state.Members.Where(m => m.HasRole(FleetCluster.ControlRole) && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp).ToList();
        var unreachable = control.Count(m => state.Unreachable.Contains(m));
        return
        [
            new Measurement<int>(control.Count - unreachable, new KeyValuePair<string, object?>("state", "reachable")),
            new Measurement<int>(unreachable, new KeyValuePair<string, object?>("state", "unreachable")),
        ];
    }
}
