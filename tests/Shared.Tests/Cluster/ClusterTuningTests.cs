using Akka.Configuration;
using Fleet.Shared.Cluster;

namespace Fleet.Shared.Tests.Cluster;

public sealed class ClusterTuningTests
{
    private static Config Tuning(NodeSettings node) => ConfigurationFactory.ParseString(FleetAkkaConfiguration.ClusterTuning(node));

    [Fact]
    public void A_node_with_a_heartbeat_pause_waits_that_long_and_others_keep_akkas_default()
    {
        var device = Tuning(new NodeSettings { Roles = ["edge"], HeartbeatPause = TimeSpan.FromSeconds(12) });
        var control = Tuning(new NodeSettings { Roles = ["control"] });
        Assert.Equal(TimeSpan.FromSeconds(12), device.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.False(control.HasPath("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
    }

    [Fact]
    public void Device_churn_never_makes_the_resolver_down_every_node()
    {
        foreach (var roles in new[] { new[] { "control" }, new[] { "edge" } })
            Assert.False(Tuning(new NodeSettings { Roles = roles }).GetBoolean("akka.cluster.split-brain-resolver.down-all-when-unstable", true));
    }
}
