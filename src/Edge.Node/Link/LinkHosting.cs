using Akka.Actor;
using Akka.Hosting;
using Fleet.Edge.Hosting;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Manifests;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Audit;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Link;

public static class LinkHosting
{
    /// <summary>
    /// An enrolled device's link: one stream at a time to a gateway, feeding the policy and manifests actors and uploading
    /// telemetry and audit heads (add those actors first). Nothing for a development member, whose link lives in each
    /// <see cref="ClusterSession"/> (<see cref="AddMembershipLink"/>).
    /// </summary>
    public static AkkaConfigurationBuilder AddGatewayLink(this AkkaConfigurationBuilder b, CloudConnection connection, EdgeOptions o, DeviceFacts facts,
        Outbox outbox, AuditLog auditLog, LinkSession session) =>
        connection is not ViaGateway g ? b : b.WithActors((system, registry) => system.ActorOf(GatewayLinkActor.Props(
            new GatewayLinkSettings(g.Gateways, g.Enrolment, facts, registry.Get<PolicyActor>(), registry.Get<ManifestsActor>(),
                new TelemetryUplink(outbox, ActorRefs.Nobody, o.Telemetry), o.DataDir, o.RenewBefore, registry.Get<AuditActorKey>(), auditLog, o.AuditUpload),
            session), ActorNames.Edge.Link));

    /// <summary>
    /// A development member's link on one session's actor system: it registers through the session's proxies to the device
    /// shard, kill-switch authority, campaign store and telemetry ingest (add them first) and feeds the node's long-lived
    /// actors in <paramref name="local"/>.
    /// </summary>
    public static AkkaConfigurationBuilder AddMembershipLink(this AkkaConfigurationBuilder b, DeviceFacts facts, Func<string, DeviceProof?> prove,
        LocalDevice local, TelemetrySettings telemetry, LinkSession session) =>
        b.WithActors((system, registry) => system.ActorOf(LinkActor.Props(
            new MembershipLinkSettings(facts, prove, registry.Get<DeviceRegion>(), registry.Get<KillSwitchAuthorityKey>(), registry.Get<CampaignStoreProxy>(), local,
                new TelemetryUplink(local.Outbox, registry.Get<TelemetryIngestKey>(), telemetry)),
            session), ActorNames.Edge.Link));
}
