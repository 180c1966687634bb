using Akka.Actor;
using Akka.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Cluster.Attestation;

namespace Fleet.Cloud.Audit;

/// <summary>Writes every cluster member this node refused (and downed) into the cloud audit log.</summary>
public sealed class MemberRefusalAudit : ReceiveActor
{
    public const string Action = "cluster.member-refused";

    public MemberRefusalAudit(CloudAudit audit) =>
        Receive<MemberRefused>(r => audit.Record("cluster", Action, r.Address.ToString(), $"roles {string.Join(",", r.Roles)}: {r.Reason}"));

    public static Props Props(CloudAudit audit) => Akka.Actor.Props.Create(() => new MemberRefusalAudit(audit));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(MemberRefused));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}

public static class MemberRefusalAuditHosting
{
    /// <summary>With TLS remoting (<paramref name="attested"/>: members are attested and may be refused), refusals go to the audit log.</summary>
    public static AkkaConfigurationBuilder AddMemberRefusalAudit(this AkkaConfigurationBuilder b, bool attested, CloudAudit audit) =>
        !attested ? b : b.WithActors((system, _) =>
            system.ActorOf(MemberRefusalAudit.Props(audit), ActorNames.Cloud.MemberRefusalAudit));
}
