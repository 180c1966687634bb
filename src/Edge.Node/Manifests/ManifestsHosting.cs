using System.Security.Cryptography.X509Certificates;
using Akka.Hosting;
using Fleet.Edge.Audit;
using Fleet.Edge.Rendering;
using Fleet.Edge.Store;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;

namespace Fleet.Edge.Manifests;

public static class ManifestsHosting
{
    /// <summary>
    /// Verified tables, manifests and models in the content store, registered as <see cref="ManifestsActor"/>; it prepares
    /// each synced version's template before the version goes into force (<paramref name="prepared"/>, shared with renders);
    /// it downloads from the cloud with <paramref name="http"/>.
    /// </summary>
    public static AkkaConfigurationBuilder AddManifests(this AkkaConfigurationBuilder b, DeviceFacts facts, string dataDir, X509Certificate2? root,
        AssetGuard guard, PreparedTemplates prepared, HttpClient? http = null) =>
        b.WithActors((system, registry) => registry.Register<ManifestsActor>(system.ActorOf(
            ManifestsActor.Props(facts.DeviceId, facts.Tags, dataDir, root: root, audit: registry.AuditIfAny(), guard: guard, prepare: prepared.PrepareAheadAsync, http: http),
            ActorNames.Edge.Manifests)));
}
