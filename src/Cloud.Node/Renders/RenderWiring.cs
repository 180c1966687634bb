using Akka.Cluster.Hosting;
using Akka.Hosting;
using Fleet.Cloud.Campaigns;
using Fleet.Shared.Cluster;

namespace Fleet.Cloud.Renders;

/// <summary>Registry key of the render scheduler singleton (its proxy on nodes without <c>control</c>).</summary>
public sealed class RenderSchedulerKey;

public static class RenderWiring
{
    public static readonly ClusterSingletonOptions Options = new() { Role = FleetCluster.ControlRole };

    /// <summary>The scheduler on control nodes (proxy elsewhere), and one worker on every render node.</summary>
    public static AkkaConfigurationBuilder AddRenders(this AkkaConfigurationBuilder b, bool isControl, bool isRender, Func<WorkerRenderer> renderer, int slots,
        Shared.Rendering.FfmpegRunner runner, JobTexts? texts = null)
    {
        b = isControl
            ? b.WithSingleton<RenderSchedulerKey>(ActorNames.Singletons.RenderScheduler, SingletonSupervision.Props(RenderScheduler.Props(texts: texts), ActorNames.Singletons.RenderScheduler), Options)
            : b.WithSingletonProxy<RenderSchedulerKey>(ActorNames.Singletons.RenderScheduler, Options);
        return !isRender ? b : b.WithActors((system, registry, _) =>
            system.ActorOf(RenderWorker.Props(registry.Get<RenderSchedulerKey>(), registry.Get<CampaignStore>(), renderer(), slots, runner), ActorNames.Cloud.RenderWorker));
    }
}
