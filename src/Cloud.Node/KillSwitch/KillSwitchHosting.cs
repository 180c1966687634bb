using Akka.Cluster.Hosting;
using Akka.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security;

namespace Fleet.Cloud.KillSwitch;

public static class KillSwitchHosting
{
    /// <summary>The kill-switch authority is a singleton on control nodes; other nodes talk to it through a proxy.</summary>
    public static AkkaConfigurationBuilder AddKillSwitch(this AkkaConfigurationBuilder b, bool isControl, SigningKeyRing keys, TrustUpdateIssuer trust,
        TimeSpan? ackWriteDelay = null)
    {
        var options = new ClusterSingletonOptions { Role = FleetCluster.ControlRole };
        return isControl
            ? b.WithSingleton<KillSwitchAuthorityKey>(ActorNames.Singletons.KillSwitch, SingletonSupervision.Props(KillSwitchAuthority.Props(keys, trust, ackWriteDelay), ActorNames.Singletons.KillSwitch), options)
            : b.WithSingletonProxy<KillSwitchAuthorityKey>(ActorNames.Singletons.KillSwitch, options);
    }
}
