using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Edge.Audit;
using Fleet.Edge.Identity;
using Fleet.Edge.Link;
using Fleet.Edge.Manifests;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Serialization;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Player;
using Fleet.Edge.Privacy;
using Fleet.Edge.Rendering;
using Fleet.Edge.Store;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Audit;
using Fleet.Edge.KillSwitch;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Fleet.Shared.Cli;
using Fleet.Shared.Http;

namespace Fleet.Edge.Hosting;

/// <summary>
/// A device for the agent's whole life: a local actor system with the edge actors (policy, manifests, renders,
/// telemetry outbox, audit) and the local HTTP API beside it. Only the cloud connection comes and goes: an enrolled
/// device's gateway link lives inside this node; a development member's cluster sessions (<see cref="ClusterSession"/>)
/// are separate actor systems that reach these actors by reference.
/// </summary>
public sealed class EdgeNode : IAsyncDisposable
{
    /// <summary>How long one development-membership join attempt waits for a seed.</summary>
    public static TimeSpan JoinAttemptTimeout => DeviceMembership.JoinAttemptTimeout;

    private readonly WebApplication _app;
    private readonly Outbox _outbox;
    private readonly AuditLog _audit;
    private readonly StrongBox<LinkSession> _session;

    private EdgeNode(WebApplication app, ActorSystem system, StrongBox<LinkSession> session, Outbox outbox, AuditLog audit)
    {
        _app = app;
        _outbox = outbox;
        _audit = audit;
        _session = session;
        System = system;
        var registry = app.Services.GetRequiredService<ActorRegistry>();
        Local = new LocalDevice(registry.Get<PolicyActor>(), registry.Get<ManifestsActor>(), outbox, system.EventStream);
    }

    public ActorSystem System { get; }
    /// <summary>The current cloud session (a development member starts a new one per join).</summary>
    public LinkSession Session { get => Volatile.Read(ref _session.Value!); set => Volatile.Write(ref _session.Value!, value); }
    public Task Terminated => System.WhenTerminated;
    /// <summary>What a cloud session needs of this node.</summary>
    public LocalDevice Local { get; }

    /// <summary>The local API's limit on renders at once (tests hold its slots to see the 429).</summary>
    internal RenderGate RenderGate { get; private init; } = null!;

    /// <summary>The local API's address (useful when --http 0 picked a free port).</summary>
    public string LocalApiUrl => _app.Urls.FirstOrDefault() ?? "";

    public static async Task<EdgeNode> StartAsync(EdgeOptions o, DeviceFacts facts, CloudConnection connection, CancellationToken ct)
    {
        var session = new StrongBox<LinkSession>(new LinkSession());
        var renderSettings = new RenderSettings { DataDir = o.DataDir, Encoders = facts.Encoders.Count > 0 ? facts.Encoders : null, MaxLocalHeight = o.MaxRenderHeight, Pressure = o.Pressure };
        var campaign = o.CampaignDir is null ? null : CampaignLoader.LoadDirectory(o.CampaignDir);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{o.HttpPort}");
        o.Log.Apply(builder.Logging);
        LocalApi.Configure(builder, o);

        // The agent loop owns SIGINT/SIGTERM: a session ending on its own must be told apart from a requested stop.
        builder.Services.AddSingleton<IHostLifetime, AgentOwnedLifetime>();
        builder.Services.AddHostedService<SystemdWatchdog>();
        builder.Services.AddFleetHttpClient(FleetHttp.CloudDownloads);
        builder.Services.AddFleetHttpClient(FleetHttp.RenderDelegation);
        // Prometheus at the local API's /metrics: the device's meter, HTTP requests, the .NET runtime and the process;
        // target_info names the service, its version and the device.
        // With --otlp-endpoint, traces too, under the same resource (service fleet-edge, this device).
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(EdgeMetrics.ServiceName, serviceVersion: FleetCli.Version,
                serviceInstanceId: facts.DeviceId))
            .WithMetrics(m => m.AddMeter(EdgeMetrics.MeterName)
                .AddAspNetCoreInstrumentation().AddRuntimeInstrumentation().AddProcessInstrumentation().WithPrometheusNames().AddPrometheusExporter());
        o.Traces.Apply(otel, Shared.Tracing.FleetTraces.Edge);
        EdgeMetrics.Connection(() => session.Value!.Joined);

        var outbox = Outbox.Open(Path.Combine(o.DataDir, "telemetry"), o.Telemetry.OutboxCapBytes);
        var audit = AuditLog.Open(AuditActor.PathIn(o.DataDir));
        var hasher = new UserIdHasher(o.DataDir);
        var ledger = new Player.RenderLedger(o.DataDir, o.RenderLedger);
        var creds = connection.Credentials;
        ActorSystem? actorSystem = null;
        var guard = new Store.AssetGuard(o.DataDir, q =>
        {
            AgentLog.Write(q.Problem == "missing"
                ? $"store: {q.What} is missing ({q.Sha256[..12]}…); renders fall back until it is fetched again"
                : $"store: {q.What} quarantined, never rendered: {q.Problem}; {(q.MovedTo is null ? "deleted" : "moved to " + q.MovedTo)}; fetching it again");
            actorSystem?.EventStream.Publish(q);
        });
        // Renders (and the warm-up of each version going into force) use the verified campaign the manifests actor keeps.
        builder.Services.AddSingleton(sp => new SyncedCampaigns(sp.GetRequiredService<IRequiredActor<ManifestsActor>>(), guard));
        // Shared: the manifests actor prepares a synced version's template before it goes into force, renders reuse it.
        var prepared = new PreparedTemplates(renderSettings.NewFfmpegRunner(), renderSettings.PreparedDir);
        var personalise = new PersonaliseSettings(o.DataDir, Provider: o.ExecutionProviders) { UnloadUnusedModelAfter = o.ModelUnloadAfter };

        builder.Services.AddAkka(FleetCluster.SystemName, (b, sp) => b
            .ConfigureLoggers(Shared.Logging.AkkaLogBridge.Use)
            // Local only in both modes: the cloud connection must never take the API or the render pipeline with it.
            .AddHocon(LocalOnly + $"\nakka.loglevel = {o.Log.AkkaLevel}\n" + o.Log.AkkaStdoutHocon, HoconAddMode.Prepend)
            .WithActors((system, _) => actorSystem = system) // the asset guard publishes quarantines on its event stream
            .AddAudit(audit)
            .AddTelemetry(outbox, o.Telemetry)
            .AddKillSwitchPolicy(o.DataDir, facts.DeviceId, creds?.Ca)
            .AddManifests(facts, o.DataDir, creds?.Ca, guard, prepared, Http(sp, FleetHttp.CloudDownloads))
            // Resolved per render, not here: the registry behind it belongs to the actor system being configured.
            .AddRenderPipeline(renderSettings, personalise, guard, prepared, inForce: id => sp.GetRequiredService<SyncedCampaigns>().FindAsync(id),
                cloudHttp: Http(sp, FleetHttp.RenderDelegation))
            .AddStoreScrub(guard, o.DataDir, o.Scrub)
            .AddGatewayLink(connection, o, facts, outbox, audit, session.Value!));

        var app = builder.Build();
        var synced = app.Services.GetRequiredService<SyncedCampaigns>();
        LocalApi.UseMiddleware(app, o);
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/v1/status", async (IRequiredActor<ManifestsActor> manifests) => Results.Json(new
        {
            device_id = facts.DeviceId,
            joined = session.Value!.Joined,
            registered = session.Value!.Registered.IsCompletedSuccessfully,
            manifests = await manifests.ActorRef.Ask<ManifestsProtocol.Status>(ManifestsProtocol.GetStatus.Instance, TimeSpan.FromSeconds(3)),
        }, FleetJson.Options));
        // A --campaign folder wins (offline use).
        Func<string?, Task<CampaignInForce?>> campaigns = id => campaign is not null && (id is null || id == campaign.Spec.Id)
            ? Task.FromResult<CampaignInForce?>(new CampaignInForce(campaign, Rendering.RenderProtocol.RenderAd.LocalVersion, null))
            : synced.FindAsync(id);
        var gate = new RenderGate(o.MaxConcurrentRenders);
        LocalApi.MapReadiness(app, campaigns);
        app.MapRenders(campaigns, renderSettings, ledger, hasher, gate);
        app.MapPlayer(campaigns);
        app.MapLocalEvents(hasher, ledger);
        app.MapPrometheusScrapingEndpoint("/metrics");
        await app.StartAsync(ct);
        if (campaign is not null) WarmUp(app, campaign, renderSettings);
        return new EdgeNode(app, app.Services.GetRequiredService<ActorSystem>(), session, outbox, audit) { RenderGate = gate };
    }

    private static HttpClient Http(IServiceProvider sp, FleetHttpClient client) => sp.GetRequiredService<IHttpClientFactory>().CreateClient(client.Name);

    /// <summary>One throwaway render at start (template import, model load), so the player's first ad is not the slow one.</summary>
    private static void WarmUp(WebApplication app, LoadedCampaign campaign, RenderSettings settings)
    {
        var registry = app.Services.GetRequiredService<ActorRegistry>();
        _ = Task.Run(async () =>
        {
            var render = await registry.GetAsync<RenderCoordinator>();
            var path = Path.Combine(settings.DataDir, "renders", "warm-up.mp4");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var outcome = await render.Ask<RenderProtocol.RenderOutcome>(new RenderProtocol.RenderAd(campaign, new Shared.Rendering.RenderContext(), path, UseCache: false),
                settings.Deadline + TimeSpan.FromSeconds(5));
            AgentLog.Write($"render pipeline warm: {campaign.Spec.Id} in {outcome.TotalMs:0} ms ({outcome.Path}, {outcome.Encoder})");
        });
    }

    /// <summary>A device behind a gateway runs a plain local actor system: no remoting, no membership, nothing to reach.</summary>
    private const string LocalOnly = """
        akka.stdout-loglevel = ERROR
        akka.coordinated-shutdown.exit-clr = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """;

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await _app.StopAsync(cts.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
        _outbox.Dispose();
        _audit.Dispose();
    }
}

/// <summary>Registry key of the proxy to the cloud's campaign store singleton.</summary>
public sealed class CampaignStoreProxy;

/// <summary>How a device reaches the cloud: a stream to a gateway (enrolled devices), or development cluster membership.</summary>
public abstract record CloudConnection(EdgeCredentials? Credentials);

/// <summary>One stream at a time to one of <see cref="Gateways"/>, with mutual TLS.</summary>
public sealed record ViaGateway(IReadOnlyList<SeedAddress> Gateways, EdgeCredentials Enrolment) : CloudConnection(Enrolment);

/// <summary>
/// Development only (--insecure-dev): the device joins the cluster as a member through <see cref="Seeds"/>, one
/// <see cref="ClusterSession"/> at a time (the node itself is started with no seeds).
/// </summary>
public sealed record ViaMembership(IReadOnlyList<string> Seeds, EdgeCredentials? Tls) : CloudConnection(Tls);

/// <summary>The long-lived actors and outbox a cloud session talks to, and the node's event stream for what it learns.</summary>
public sealed record LocalDevice(IActorRef Policy, IActorRef Manifests, Outbox Outbox, Akka.Event.EventStream Events);

/// <summary>The agent loop owns SIGINT/SIGTERM: a node or session ending on its own must be told apart from a requested stop.</summary>
internal sealed class AgentOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
