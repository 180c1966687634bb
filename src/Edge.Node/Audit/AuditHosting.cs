using Akka.Hosting;
using Fleet.Shared.Audit;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.Audit;

public static class AuditHosting
{
    /// <summary>The device's hash-chained audit log behind one actor, registered as <see cref="AuditActorKey"/>.</summary>
    public static AkkaConfigurationBuilder AddAudit(this AkkaConfigurationBuilder b, AuditLog log) =>
        b.WithActors((system, registry) => registry.Register<AuditActorKey>(system.ActorOf(AuditActor.Props(log), ActorNames.Edge.Audit)));

    /// <summary>The audit actor when this node has one (the offline renderer has none).</summary>
    internal static Akka.Actor.IActorRef? AuditIfAny(this IReadOnlyActorRegistry registry) =>
        registry.TryGet<AuditActorKey>(out var audit) ? audit : null;
}
