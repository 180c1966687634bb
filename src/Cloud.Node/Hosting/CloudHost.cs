using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Authority;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.OperatorConsole;
using Fleet.Cloud.Keys;
using Fleet.Cloud.Models;
using Fleet.Cloud.Renders;
using Fleet.Cloud.Rollouts;
using Fleet.Cloud.Reports;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Assets;
using Fleet.Cloud.Devices;
using Fleet.Cloud.Enrolment;
using Fleet.Cloud.Gateway;
using Fleet.Cloud.Telemetry;
using OpenTelemetry.Metrics;
using Fleet.Shared.Telemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Fleet.Cloud.KillSwitch;
using Fleet.Shared.Security;
using Fleet.Shared.Cluster;
using Fleet.Shared.Persistence;

namespace Fleet.Cloud.Hosting;

/// <summary>Builds one cloud node: the actor system (cluster, registry shards, watchers) and the HTTP API beside it.</summary>
public static class CloudHost
{
    public static WebApplication Build(CloudOptions o)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(o.HttpUrl);
        o.Log.Apply(builder.Logging);

        var admin = AdminToken.LoadOrCreate(o.DataDir, o.AdminToken);
        var isControl = o.Roles.Contains(FleetCluster.ControlRole);
        var paths = new CloudPaths(o.DataDir, o.StoreDir);
        var store = ControlStore.Open(o.Db);
        var reports = ReportStore.Open(o.Db);
        builder.Services.AddSingleton(reports);
        // Control nodes share their keys through the database; a node without role control (a render worker) never
        // sees the key secret and keeps a ring of its own only to sign its audit log's head.
        var secrets = isControl ? ControlSecrets.Open(store, KeySecret.Resolve(o), paths) : null;
        var keys = secrets?.Ring ?? SigningKeyRing.OpenOrCreate(paths.Keys);
        builder.Services.AddSingleton(keys);
        var pki = CloudPki.For(o, store);
        // Control nodes holding the CA key certify the ring's trust set for devices; others send none.
        var trustUpdates = new TrustUpdateIssuer(keys, pki?.Ca);
        builder.Services.AddSingleton(trustUpdates);
        builder.Services.AddSingleton(admin);
        builder.Services.AddSingleton(o);
        if (pki is not null)
        {
            builder.Services.AddSingleton(pki);
            // Device API tokens are keyed from the CA key: a node without it (--node-cert) neither issues nor checks them.
            if (pki.Ca is not null) builder.Services.AddSingleton(new DeviceTokens(pki.Ca, pki.Revoked));
            if (o.HttpUrl.StartsWith("https://", StringComparison.Ordinal))
            {
                // The slim builder leaves HTTPS out until asked for.
                builder.WebHost.UseKestrelHttpsConfiguration();
                builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = pki.NodeCertificate));
            }
        }
        else if (o.HttpUrl.StartsWith("https://", StringComparison.Ordinal))
        {
            throw new FleetException("--http https://… needs the fleet CA for its certificate; it cannot be combined with --insecure-dev");
        }
        builder.Services.AddApiAuthorization();
        builder.Services.AddSingleton<KnownDevices>();
        builder.Services.AddSingleton<DeviceIndex>();
        builder.Services.AddSingleton<DeviceDirectory>();
        builder.Services.AddSingleton(paths);
        builder.Services.AddSingleton(new ContentStore(paths.Assets));
        builder.Services.AddSingleton<AssetTraffic>();
        builder.Services.AddSingleton<ReviewFrames>();
        builder.Services.AddSingleton<CampaignPublisher>();
        builder.Services.AddSingleton(new SignedUrls(secrets?.UrlSigner(paths.UrlKeys) ?? TokenSigner.OpenOrCreate(paths.UrlKeys), TimeProvider.System));
        // Job tokens: with the fleet CA every cloud node derives the same key; without it (--insecure-dev) control
        // nodes share one from the database. Either way any API node checks any token. A render worker with
        // --node-cert has neither and keeps its own.
        builder.Services.AddSingleton(new JobTokens(pki?.Ca is { } ca ? new TokenSigner("render-jobs", ca.DeriveSecret("render-job-token"))
            : secrets?.JobSigner(paths.JobKeys) ?? TokenSigner.OpenOrCreate(paths.JobKeys), TimeProvider.System));
        builder.Services.AddOpenApi(ApiContract.Configure);
        // Request bodies bind with the same snake_case JSON the API answers in.
        builder.Services.ConfigureHttpJsonOptions(j =>
        {
            j.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            j.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.KebabCaseLower));
            // Numbers are numbers: the API writes them so, and the OpenAPI contract (built from these options) says
            // integer rather than "integer or numeric string", which generated clients cannot type.
            j.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.Services.AddEnrolment();
        var cohorts = new CohortResolver();
        builder.Services.AddSingleton(new CloudAudit(o.DataDir, keys));
        builder.Services.AddHostedService(sp => new AuditHeadSigner(sp.GetRequiredService<CloudAudit>(), o.AuditHeadInterval,
            sp.GetRequiredService<ILogger<AuditHeadSigner>>()));
        // Prometheus at /metrics: the fleet's own meters, HTTP requests, the .NET runtime and the process; target_info
        // names the service, its version and this node.
        // With --otlp-endpoint, traces too, under the same resource: the fleet's spans under the API request that
        // started them (scrapes of /metrics are not traced).
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(CloudMetrics.ServiceName, serviceVersion: FleetCli.Version, serviceInstanceId: $"{o.Host}:{o.Port}"))
            .WithMetrics(m => m.AddMeter(CloudMetrics.MeterName, GatewayMetrics.MeterName)
                .AddAspNetCoreInstrumentation().AddRuntimeInstrumentation().AddProcessInstrumentation().WithPrometheusNames().AddPrometheusExporter());
        o.Traces.Apply(otel, Fleet.Shared.Tracing.FleetTraces.Cloud,
            t => t.AddAspNetCoreInstrumentation(a => a.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/metrics")));

        var node = new NodeSettings
        {
            Hostname = o.Host,
            Port = o.Port,
            Roles = o.Roles,
            SeedNodes = o.Seeds.Count > 0 ? o.Seeds.Select(s => $"akka.tcp://{FleetCluster.SystemName}@{s.Host}:{s.Port}").ToList() : new[] { o.SelfAddress },
            Db = o.Db,
            Tls = pki?.Remoting,
            LogLevel = o.AkkaLogLevel,
        };
        builder.Services.AddAkka(FleetCluster.SystemName, (b, sp) => b
            .ConfigureLoggers(Fleet.Shared.Logging.AkkaLogBridge.Use)
            .WithFleetNode(node)
            .AddHocon(o.Log.AkkaStdoutHocon, HoconAddMode.Prepend)
            .AddTokenStore(isControl, o.AdvertisedApiUrl)
            .AddDeviceRegistry(isControl, pki?.Trust, pki is null ? null
                : new DeviceCertificateRenewal(pki.Ca, pki.Revoked, o.DeviceCertificateLifetime, sp.GetRequiredService<CloudAudit>()))
            .AddTelemetryIngest(isControl, cohorts, o.TelemetryRetention, reports, o.ReportRetention)
            .AddKillSwitch(isControl, keys, trustUpdates, o.KillAckWriteDelay)
            .AddCampaignStore(isControl, keys, trustUpdates)
            .AddRollouts(isControl, ct => sp.GetRequiredService<DeviceDirectory>().ListAsync(ct), o.RolloutTick, sp.GetRequiredService<CloudAudit>(), o.RequireReview)
            .AddRenders(isControl, o.Roles.Contains(FleetCluster.RenderRole), () => new WorkerRenderer(sp.GetRequiredService<ContentStore>(), paths.RenderWork,
                new Fleet.Shared.Rendering.FfmpegRunner(null, TimeSpan.FromMinutes(5)), new Fleet.Shared.Speech.EspeakTts(null, Path.Combine(paths.RenderWork, "speech")),
                o.RenderFault), o.RenderSlots, new Fleet.Shared.Rendering.FfmpegRunner(), secrets?.JobTexts())
            .WithActors((system, _) =>
            {
                ClusterMetrics.Observe(system);
                CommandGuard.RecordIn(system, sp.GetRequiredService<CloudAudit>());
            })
            .AddSigningKeys(isControl, keys, pki?.Revoked, o.RotateEvery, o.Retirement, sp)
            .AddMemberRefusalAudit(attested: pki is not null, sp.GetRequiredService<CloudAudit>())
            .AddCohortWatcher(isControl, cohorts));

        if (pki is not null && o.Roles.Contains(FleetCluster.GatewayRole))
            builder.Services.AddHostedService(sp => new GatewayServer(sp, new Uri(o.HttpUrl).Host, o.GatewayPort, pki.NodeCertificate, pki.Trust, new GatewayLimits()));
        var app = builder.Build();
        DeviceMetrics.Observe(app.Services.GetRequiredService<DeviceIndex>());
        if (pki is not null && o.DeviceCertificateLifetime < TimeSpan.FromDays(1))
            app.Logger.LogWarning("device certificates live {Lifetime}: --device-cert-seconds is for tests and development only", o.DeviceCertificateLifetime);
        foreach (var note in secrets?.Notes ?? []) app.Logger.LogInformation("{Note}", note);
        if (pki is null)
            app.Logger.LogWarning("--insecure-dev: remoting runs WITHOUT TLS and any node that reaches port {Port} can join; never use this outside development", o.Port);
        app.UseStatusCodePages(ApiResults.EmptyErrorAsJson);
        app.UseAuthentication();
        app.Use(AuditEndpoints.Middleware); // outside the authorization, which it records refusing a role
        app.UseAuthorization();
        app.Use(ApiResults.NotAnsweredMiddleware); // inside the audit, which records the 503
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapApiDocs();
        app.MapConsole();
        app.MapGet("/healthz", () => Results.Text("ok\n"))
            .WithName("getHealth").WithTags("health").WithSummary("Liveness: the process answers").Produces<string>(contentType: "text/plain");
        app.MapGet("/readyz", (Akka.Actor.ActorSystem system) =>
                Akka.Cluster.Cluster.Get(system).SelfMember.Status == Akka.Cluster.MemberStatus.Up
                    ? Results.Text("ready\n") : Results.Text("joining\n", statusCode: 503))
            .WithName("getReadiness").WithTags("health").WithSummary("Readiness: this node is an Up cluster member (503 joining while not)")
            .Produces<string>(contentType: "text/plain").Produces<string>(StatusCodes.Status503ServiceUnavailable, "text/plain");
        // An endpoint names the roles it admits (.RequireRole); one that names none admits any token but a device's.
        var api = app.MapGroup("/api/v1");
        api.MapDevices();
        api.MapDeviceAudit();
        api.MapKillSwitch();
        api.MapTelemetry();
        api.MapReports();
        Fleet.Cloud.Learning.PriorEndpoints.MapPriors(api);
        api.MapAudit();
        api.MapEnrolment(app);
        api.MapTokens();
        api.MapKeys();
        api.MapCampaigns();
        api.MapCopyReview();
        api.MapAssets();
        api.MapModels();
        api.MapRender();
        api.MapRollouts();
        api.MapRenderJobs();
        api.MapWhoami();
        api.MapChangeNotices();
        return app;
    }
}
