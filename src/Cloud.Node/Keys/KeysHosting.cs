using Akka.Hosting;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Devices;
using Fleet.Shared.Cluster;
using Fleet.Shared.Security;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Keys;

public static class KeysHosting
{
    /// <summary>
    /// Every node keeps its key ring and revocations in step with the database; control nodes also rotate signing keys
    /// every <paramref name="rotateEvery"/> and retire old ones under <paramref name="retirement"/> (add the campaign store first:
    /// a rotation re-signs through it).
    /// </summary>
    public static AkkaConfigurationBuilder AddSigningKeys(this AkkaConfigurationBuilder b, bool isControl, SigningKeyRing keys, RevocationList? revoked,
        TimeSpan? rotateEvery, KeyRetirement.Policy retirement, IServiceProvider services) =>
        b.WithActors((system, registry) =>
        {
            system.ActorOf(ControlPlaneSync.Props(keys, revoked), ActorNames.Cloud.ControlPlaneSync);
            if (!isControl) return;
            system.ActorOf(KeyRotationSchedule.Props(keys, SigningKeyRing.RotationDue(rotateEvery), retirement,
                ct => TrustStatus.ReadAsync(keys, services.GetRequiredService<IRequiredActor<CampaignStore>>(), services.GetRequiredService<DeviceDirectory>(), retirement, ct),
                registry.Get<CampaignStore>(), services.GetRequiredService<CloudAudit>()), ActorNames.Cloud.KeyRotationSchedule);
        });
}
