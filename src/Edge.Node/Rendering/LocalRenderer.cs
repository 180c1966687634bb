using Akka.Actor;
using Akka.Hosting;
using Fleet.Edge.Hosting;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Personalisation;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>
/// The render pipeline without a cluster (for <c>fleet-edge render</c> and the benchmark): a local actor system with the
/// policy actor (enforcing the last kill policy this device stored) and the render coordinator, wired by the same
/// <c>Add…</c> extensions as the agent's node.
/// </summary>
public sealed class LocalRenderer : IAsyncDisposable
{
    /// <summary>Quiet: the command's own output (a table, or JSON for scripts) is all that reaches the terminal.</summary>
    private const string Quiet = """
        akka.loglevel = ERROR
        akka.stdout-loglevel = ERROR
        akka.coordinated-shutdown.exit-clr = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """;

    private readonly IHost _host;
    private readonly IActorRef _render;

    private LocalRenderer(IHost host, IActorRef render, RenderSettings settings)
    {
        _host = host;
        _render = render;
        Settings = settings;
    }

    public static async Task<LocalRenderer> StartAsync(RenderSettings settings, PersonaliseSettings? personalise = null)
    {
        // An empty builder: no console logger or configuration sources, so nothing but the command writes to stdout.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IHostLifetime, AgentOwnedLifetime>(); // Ctrl+C stays with the command
        builder.Services.AddAkka("fleet-render", b => b
            .AddHocon(Quiet, HoconAddMode.Prepend)
            .AddKillSwitchPolicy(settings.DataDir, "local")
            .AddRenderPipeline(settings with { PolicySyncWait = TimeSpan.Zero }, personalise ?? new PersonaliseSettings(settings.DataDir)));
        var host = builder.Build();
        await host.StartAsync();
        var render = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<RenderCoordinator>();
        return new LocalRenderer(host, render, settings);
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

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
