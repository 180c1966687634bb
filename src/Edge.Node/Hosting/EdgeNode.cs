using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Fleet.Edge.Audit;
using Fleet.Edge.Identity;
using Fleet.Edge.Link;
using Fleet.Edge.Manifests;
using Fleet.Shared.Distribution;
using Fleet.Shared.Serialization;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Privacy;
using Fleet.Edge.Rendering;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Audit;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Security.Pki;
using Fleet.Edge.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Telemetry;
using OpenTelemetry.Metrics;

namespace Fleet.Edge.Hosting;

/// <summary>One cluster session of a device: an actor system with the edge actors, and the local HTTP API beside it.</summary>
public sealed class EdgeNode : IAsyncDisposable
{
    /// <summary>How long one development-membership join attempt waits for a seed.</summary>
    public static TimeSpan JoinAttemptTimeout => DeviceMembership.JoinAttemptTimeout;

    private readonly WebApplication _app;
    private readonly Outbox _outbox;
    private readonly AuditLog _audit;

    private EdgeNode(WebApplication app, ActorSystem system, LinkSession session, Outbox outbox, AuditLog audit)
    {
        _app = app;
        _outbox = outbox;
        _audit = audit;
        System = system;
        Session = session;
    }

    public ActorSystem System { get; }
    public LinkSession Session { get; }
    public Task Terminated => System.WhenTerminated;

    /// <summary>The local API's address (useful when --http 0 picked a free port).</summary>
    public string LocalApiUrl => _app.Urls.FirstOrDefault() ?? "";

    public static async Task<EdgeNode> StartAsync(EdgeOptions o, DeviceFacts facts, CloudConnection connection, CancellationToken ct)
    {
        var session = new LinkSession();
        var renderSettings = new RenderSettings { DataDir = o.DataDir, Encoders = facts.Encoders.Count > 0 ? facts.Encoders : null, MaxLocalHeight = o.MaxRenderHeight, Pressure = o.Pressure };
        var campaign = o.CampaignDir is null ? null : CampaignLoader.LoadDirectory(o.CampaignDir);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{o.HttpPort}");
        builder.Logging.ClearProviders().AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; })
            .AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);

        // The agent loop owns SIGINT/SIGTERM: a session ending on its own must be told apart from a requested stop.
        builder.Services.AddSingleton<IHostLifetime, AgentOwnedLifetime>();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(EdgeMetrics.MeterName).AddPrometheusExporter());

        var outbox = Outbox.Open(Path.Combine(o.DataDir, "telemetry"), o.Telemetry.OutboxCapBytes);
        var audit = AuditLog.Open(AuditActor.PathIn(o.DataDir));
        var hasher = new UserIdHasher(o.DataDir);
        var creds = connection.Credentials;
        Func<string, DeviceProof?> prove = creds is null ? _ => null : address => RegistrationProof.Sign(creds.Certificate, facts, address, DateTimeOffset.UtcNow);

        builder.Services.AddAkka(FleetCluster.SystemName, (b, _) =>
        {
            b.ConfigureLoggers(l => { l.ClearLoggers(); l.AddLoggerFactory(); });
            if (connection is ViaMembership m) b.WithDeviceMembership(o, facts, m);
            else b.AddHocon(LocalOnly, HoconAddMode.Prepend);
            b.WithActors((system, registry, _) =>
            {
                var auditActor = system.ActorOf(AuditActor.Props(audit), "audit");
                registry.Register<AuditActorKey>(auditActor);
                registry.Register<TelemetryActorKey>(system.ActorOf(TelemetryActor.Props(outbox, o.Telemetry, probe: new ResourceProbe()), "telemetry"));
                var policy = system.ActorOf(PolicyActor.Props(o.DataDir, facts.DeviceId, auditActor, creds?.Ca), PolicyActor.Name);
                registry.Register<PolicyActor>(policy);
                var manifests = system.ActorOf(ManifestsActor.Props(facts.DeviceId, facts.Tags, o.DataDir, root: creds?.Ca, audit: auditActor), ManifestsActor.Name);
                registry.Register<ManifestsActor>(manifests);
                registry.Register<RenderCoordinator>(system.ActorOf(
                    RenderCoordinator.Props(renderSettings, policy, new PersonaliseSettings(o.DataDir), auditActor), RenderCoordinator.Name));
                if (connection is ViaGateway g)
                {
                    var uplink = new TelemetryUplink(outbox, ActorRefs.Nobody, o.Telemetry);
                    system.ActorOf(GatewayLinkActor.Props(new GatewayLinkSettings(g.Gateways, g.Enrolment, facts, prove, policy, manifests, uplink, auditActor, audit, o.AuditUpload), session), "link");
                }
                else
                {
                    var uplink = new TelemetryUplink(outbox, registry.Get<TelemetryIngestKey>(), o.Telemetry);
                    system.ActorOf(LinkActor.Props(facts, registry.Get<DeviceRegion>(), registry.Get<KillSwitchAuthorityKey>(), policy, session, prove,
                        registry.Get<CampaignStoreProxy>(), manifests, uplink), "link");
                }
            });
        });

        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/v1/status", async (IRequiredActor<ManifestsActor> manifests) => Results.Json(new
        {
            device_id = facts.DeviceId,
            joined = session.Joined,
            registered = session.Registered.IsCompletedSuccessfully,
            manifests = await manifests.ActorRef.Ask<ManifestsProtocol.Status>(ManifestsProtocol.GetStatus.Instance, TimeSpan.FromSeconds(3)),
        }, FleetJson.Options));
        // A --campaign folder wins (offline use); otherwise renders use the verified campaign the manifests actor keeps.
        var synced = new SyncedCampaigns(() => app.Services.GetRequiredService<ActorRegistry>().Get<ManifestsActor>());
        app.MapRenders(id => campaign is not null && (id is null || id == campaign.Spec.Id)
            ? Task.FromResult<CampaignInForce?>(new CampaignInForce(campaign, Rendering.RenderProtocol.RenderAd.LocalVersion, null))
            : synced.FindAsync(id), renderSettings);
        app.MapLocalEvents(hasher);
        app.MapPrometheusScrapingEndpoint("/metrics");
        await app.StartAsync(ct);
        if (campaign is not null) WarmUp(app, campaign, renderSettings);
        return new EdgeNode(app, app.Services.GetRequiredService<ActorSystem>(), session, outbox, audit);
    }

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
        akka.loglevel = WARNING
        akka.stdout-loglevel = ERROR
        akka.coordinated-shutdown.exit-clr = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """;

    private sealed class AgentOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

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

/// <summary>Development only (--insecure-dev): the device joins the cluster as a member through <see cref="Seeds"/>.</summary>
public sealed record ViaMembership(IReadOnlyList<string> Seeds, EdgeCredentials? Tls) : CloudConnection(Tls);

internal static class DeviceMembership
{
    /// <summary>How long one join attempt waits for a seed before the session ends and the agent backs off.</summary>
    public static readonly TimeSpan JoinAttemptTimeout = TimeSpan.FromSeconds(6);
    /// <summary>
    /// Devices are slower to call a node unreachable than control nodes (Akka's default, 3 s): a busy or starved device
    /// that marks the cloud unreachable can make a device the cluster leader, and the split-brain resolver running
    /// there downs the control node. With a longer pause the cloud removes such a device first.
    /// </summary>
    public static readonly TimeSpan DeviceHeartbeatPause = TimeSpan.FromSeconds(12);

    public static AkkaConfigurationBuilder WithDeviceMembership(this AkkaConfigurationBuilder b, EdgeOptions o, DeviceFacts facts, ViaMembership m) => b
        .WithFleetNode(new NodeSettings
        {
            Hostname = o.Host,
            Port = o.Port,
            Roles = new[] { FleetCluster.EdgeRole, FleetCluster.DeviceRole(facts.DeviceId) },
            SeedNodes = m.Seeds,
            GiveUpJoiningAfter = JoinAttemptTimeout,
            HeartbeatPause = DeviceHeartbeatPause,
            // Akka's join and association chatter would bury the one line per attempt the agent prints.
            LogLevel = "ERROR",
            Tls = m.Tls is null ? null : new RemotingTls(m.Tls.Certificate, new FleetTrust(m.Tls.Ca)),
        })
        .WithShardRegionProxy<DeviceRegion>(FleetCluster.DeviceShard, FleetCluster.ControlRole, new DeviceMessageExtractor())
        .WithSingletonProxy<TelemetryIngestKey>(FleetCluster.TelemetrySingleton, new ClusterSingletonOptions { Role = FleetCluster.ControlRole })
        .WithSingletonProxy<KillSwitchAuthorityKey>(KillSwitchTopics.AuthorityName, new ClusterSingletonOptions { Role = FleetCluster.ControlRole })
        .WithSingletonProxy<CampaignStoreProxy>(CampaignCommands.SingletonName, new ClusterSingletonOptions { Role = FleetCluster.ControlRole });
}
