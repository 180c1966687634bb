using System.Security.Cryptography.X509Certificates;
using Akka.Hosting;
using Fleet.Edge.Audit;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.KillSwitch;

public static class PolicyHosting
{
    /// <summary>
    /// The kill-switch state that gates every render, registered as <see cref="PolicyActor"/>; it records refusals and
    /// enforced kills in the audit log when the node has one (add it after <see cref="AuditHosting.AddAudit"/>).
    /// </summary>
    /// <param name="root">The fleet CA a signed policy must chain to; null on an unenrolled device.</param>
    public static AkkaConfigurationBuilder AddKillSwitchPolicy(this AkkaConfigurationBuilder b, string dataDir, string deviceId, X509Certificate2? root = null) =>
        b.WithActors((system, registry) => registry.Register<PolicyActor>(
            system.ActorOf(PolicyActor.Props(dataDir, deviceId, registry.AuditIfAny(), root), ActorNames.Edge.Policy)));
}
