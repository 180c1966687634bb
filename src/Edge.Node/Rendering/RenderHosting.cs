using Akka.Hosting;
using Fleet.Edge.Audit;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Manifests;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Store;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.Rendering;

public static class RenderHosting
{
    /// <summary>
    /// The render pipeline (coordinator with its personalise, speech and composite children), registered as
    /// <see cref="RenderCoordinator"/>; every render is gated by the policy actor (add it first with
    /// <see cref="PolicyHosting.AddKillSwitchPolicy"/>). The agent passes the content-store pieces; the offline renderer none.
    /// </summary>
    /// <param name="cloudHttp">For renders delegated to the cloud (none offline).</param>
    /// <param name="inForce">Finds a synced campaign's version in force (renders that name a campaign without bringing it).</param>
    public static AkkaConfigurationBuilder AddRenderPipeline(this AkkaConfigurationBuilder b, RenderSettings settings, PersonaliseSettings personalise,
        AssetGuard? guard = null, PreparedTemplates? prepared = null, Func<string, Task<CampaignInForce?>>? inForce = null,
        HttpClient? cloudHttp = null) =>
        b.WithActors((system, registry) => registry.Register<RenderCoordinator>(system.ActorOf(
            RenderCoordinator.Props(settings, registry.Get<PolicyActor>(), personalise, guard, registry.AuditIfAny(), prepared, inForce, cloudHttp),
            ActorNames.Edge.Render)));
}
