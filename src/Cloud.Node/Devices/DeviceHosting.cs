using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Fleet.Cloud.Enrolment;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Devices;

public static class DeviceHosting
{
    /// <summary>
    /// Control nodes host the device shards and watch membership; other nodes reach the shards via a proxy. A device entity
    /// gets its API token from the token store, so <c>AddTokenStore</c> comes first.
    /// </summary>
    public static AkkaConfigurationBuilder AddDeviceRegistry(this AkkaConfigurationBuilder b, bool isControl, FleetTrust? trust, DeviceCertificateRenewal? renewal)
    {
        if (!isControl)
            return b.WithShardRegionProxy<DeviceRegion>(ActorNames.Singletons.DeviceShard, FleetCluster.ControlRole, new DeviceMessageExtractor());
        return b
            .WithShardRegion<DeviceRegion>(ActorNames.Singletons.DeviceShard, (_, registry) =>
            {
                var tokens = registry.Get<TokenStore>();
                return id => DeviceActor.Props(id, trust, renewal, tokens);
            }, new DeviceMessageExtractor(), new ShardOptions
            {
                Role = FleetCluster.ControlRole,
                RememberEntities = true,
                StateStoreMode = StateStoreMode.Persistence,
                RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
                HandOffStopMessage = DeviceActor.Stop.Instance,
            })
            .WithActors((system, registry, _) =>
                system.ActorOf(Akka.Actor.Props.Create(() => new DeviceLivenessWatcher(registry.Get<DeviceRegion>())), ActorNames.Cloud.DeviceLiveness));
    }
}
