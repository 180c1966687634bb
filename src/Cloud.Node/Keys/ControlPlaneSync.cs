using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Fleet.Shared.Devices;
using Fleet.Shared.Security;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Keys;

/// <summary>
/// Keeps this node's copies of the shared control-plane state in step with the database: a revocation or key-ring
/// change made on any node is announced over pub-sub and taken in at once; a timer re-reads both as a safety net for
/// a missed notice (a node that was partitioned, say).
/// </summary>
public sealed class ControlPlaneSync : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan ReloadEvery = TimeSpan.FromSeconds(30);

    public ITimerScheduler Timers { get; set; } = null!;

    public ControlPlaneSync(SigningKeyRing ring, RevocationList? revoked)
    {
        var log = Context.GetLogger();
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        mediator.Tell(new Subscribe(KeyRingNotice.Topic, Self));
        if (revoked is not null) mediator.Tell(new Subscribe(RevocationNotice.Topic, Self));
        Timers.StartPeriodicTimer("reload", Reload.Instance, ReloadEvery);
        Receive<SubscribeAck>(_ => { });
        Receive<RevocationNotice>(n => Quietly(log, "revocation list", () => revoked!.Add(n.DeviceId)));
        Receive<KeyRingNotice>(_ => { if (ring.TryReload() is { } error) log.Warning("cannot reload the signing key ring: {0}", error); });
        Receive<Reload>(_ =>
        {
            if (ring.TryReload() is { } error) log.Warning("cannot reload the signing key ring: {0}", error);
            if (revoked is not null) Quietly(log, "revocation list", revoked.Reload);
        });
    }

    /// <summary>Tells every node (this one included) that the key ring changed in the database.</summary>
    public static void Announce(ActorSystem system, SigningKeyRing ring) =>
        DistributedPubSub.Get(system).Mediator.Tell(new Publish(KeyRingNotice.Topic, new KeyRingNotice(ring.ActiveKid)));

    public static Props Props(SigningKeyRing ring, RevocationList? revoked) => Akka.Actor.Props.Create(() => new ControlPlaneSync(ring, revoked));

    /// <summary>A database that is briefly away is no reason to restart: the next tick tries again.</summary>
    private static void Quietly(ILoggingAdapter log, string what, Action action)
    {
        try { action(); }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            log.Warning("cannot update the {0} from the database: {1}", what, e.Message.Split('\n')[0]);
        }
    }

    private sealed class Reload
    {
        public static readonly Reload Instance = new();
    }
}
