using Akka.Hosting;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.Store;

public static class ScrubHosting
{
    /// <summary>Re-hashes stored assets now and then; a file that changed on disk is quarantined through <paramref name="guard"/>.</summary>
    public static AkkaConfigurationBuilder AddStoreScrub(this AkkaConfigurationBuilder b, AssetGuard guard, string dataDir, ScrubSettings settings) =>
        b.WithActors((system, _) => system.ActorOf(ScrubActor.Props(guard, dataDir, settings), ActorNames.Edge.Scrub));
}
