using Akka.Actor;
using Akka.Configuration;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Personalisation;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;
using static Fleet.Edge.Rendering.RenderProtocol;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.Rendering;

/// <summary>
/// The render pipeline without a cluster (for <c>fleet-edge render</c> and the benchmark): a local actor system with the
/// policy actor (enforcing the last kill policy this device stored) and the render coordinator.
/// </summary>
public sealed class LocalRenderer : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _render;

    public LocalRenderer(RenderSettings settings, PersonaliseSettings? personalise = null)
    {
        _system = ActorSystem.Create("fleet-render", ConfigurationFactory.ParseString("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR"));
        var policy = _system.ActorOf(PolicyActor.Props(settings.DataDir, "local"), ActorNames.Edge.Policy);
        _render = _system.ActorOf(RenderCoordinator.Props(settings with { PolicySyncWait = TimeSpan.Zero }, policy,
            personalise ?? new PersonaliseSettings(settings.DataDir)), ActorNames.Edge.Render);
        Settings = settings;
    }

    public RenderSettings Settings { get; }

    /// <param name="expected">Assets to verify before use, as a synced campaign's are (see <see cref="RenderAd.Expected"/>).</param>
    /// <param name="version">The campaign version, as a synced one's (see <see cref="RenderAd.CampaignVersion"/>).</param>
    public Task<RenderOutcome> RenderAsync(LoadedCampaign campaign, RenderContext context, string outputPath,
        string? headline = null, string? cta = null, bool useCache = true, IReadOnlyList<Store.ExpectedAsset>? expected = null,
        string version = RenderAd.LocalVersion) =>
        _render.Ask<RenderOutcome>(new RenderAd(campaign, context, Path.GetFullPath(outputPath), headline, cta, useCache, version, Expected: expected),
            Settings.Deadline + TimeSpan.FromSeconds(5));

    /// <summary>Gets <paramref name="campaign"/>'s renders ready as a device does when a synced version goes into force (<see cref="WarmVersion"/>).</summary>
    public Task<VersionWarmed> WarmAsync(LoadedCampaign campaign, string version, IReadOnlyList<Store.ExpectedAsset>? expected = null) =>
        _render.Ask<VersionWarmed>(new WarmVersion(campaign, version, Expected: expected), Settings.Deadline + TimeSpan.FromSeconds(5));

    public async ValueTask DisposeAsync() => await _system.Terminate();
}
