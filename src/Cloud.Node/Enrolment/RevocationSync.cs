using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Fleet.Shared.Devices;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Enrolment;

/// <summary>Keeps this node's revocation list (used by its TLS check) in step with revocations made on any cloud node.</summary>
public sealed class RevocationSync : ReceiveActor
{
    public RevocationSync(RevocationList revoked)
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(RevocationNotice.Topic, Self));
        Receive<SubscribeAck>(_ => { });
        Receive<RevocationNotice>(n => revoked.Add(n.DeviceId));
    }

    public static Props Props(RevocationList revoked) => Akka.Actor.Props.Create(() => new RevocationSync(revoked));
}
