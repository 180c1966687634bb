using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Keys;
using Fleet.Cloud.Models;
using Fleet.Cloud.Render;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Assets;
using Fleet.Shared.Tokens;
using Fleet.Cloud.Devices;
using Fleet.Cloud.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;

namespace Fleet.Cloud.Hosting;

/// <summary>Builds one cloud node: the actor system (cluster, registry shards, watchers) and the HTTP API beside it.</summary>
public static class CloudHost
{
    public static WebApplication Build(CloudOptions o)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(o.HttpUrl);
        builder.Logging.ClearProviders().AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; })
            .AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning);

        var admin = AdminToken.LoadOrCreate(o.DataDir, o.AdminToken);
        var keys = SigningKeyRing.OpenOrCreate(Path.Combine(o.DataDir, "keys"));
        builder.Services.AddSingleton(keys);
        builder.Services.AddSingleton(admin);
        builder.Services.AddSingleton<TokenAuthentication>();
        builder.Services.AddSingleton<DeviceDirectory>();
        var paths = new CloudPaths(o.DataDir);
        builder.Services.AddSingleton(paths);
        builder.Services.AddSingleton(new ContentStore(paths.Assets));
        builder.Services.AddSingleton<AssetTraffic>();
        builder.Services.AddSingleton<CampaignPublisher>();
        builder.Services.AddSingleton(new SignedUrls(TokenSigner.OpenOrCreate(paths.UrlKeys), TimeProvider.System));
        builder.Services.AddSingleton(ApiAudit.Open(o.DataDir));
        builder.Services.AddOpenApi(ApiDocs.Configure);
        // Request bodies bind with the same snake_case JSON the API answers in.
        builder.Services.ConfigureHttpJsonOptions(j =>
        {
            j.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            j.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.KebabCaseLower));
        });
        var isControl = o.Roles.Contains(FleetCluster.ControlRole);

        var node = new NodeSettings
        {
            Hostname = o.Host,
            Port = o.Port,
            Roles = o.Roles,
            SeedNodes = o.Seeds.Count > 0 ? o.Seeds.Select(s => $"akka.tcp://{FleetCluster.SystemName}@{s.Host}:{s.Port}").ToList() : new[] { o.SelfAddress },
            Db = o.Db,
        };
        builder.Services.AddAkka(FleetCluster.SystemName, (b, _) => b
            .ConfigureLoggers(l => { l.ClearLoggers(); l.AddLoggerFactory(); })
            .WithFleetNode(node)
            .WithDeviceRegistry(o.Roles.Contains(FleetCluster.ControlRole))
            .WithKillSwitch(isControl, keys)
            .AddTokenStore(isControl, o.AdvertisedApiUrl)
            .AddCampaignStore(isControl, keys));

        var app = builder.Build();
        // Audit wraps authentication so refused calls are recorded too.
        app.Use(app.Services.GetRequiredService<ApiAudit>().Middleware);
        app.Use(app.Services.GetRequiredService<TokenAuthentication>().Middleware);
        app.MapApiDocs();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", (Akka.Actor.ActorSystem system) =>
            Akka.Cluster.Cluster.Get(system).SelfMember.Status == Akka.Cluster.MemberStatus.Up
                ? Results.Text("ready\n") : Results.Text("joining\n", statusCode: 503));
        var api = app.MapGroup("/api/v1");
        // Endpoints without their own role rules are for viewers and up (operator, sre, admin), never device tokens.
        var read = api.MapGroup("").RequireRole(TokenRoles.Viewer);
        read.MapDevices();
        read.MapKillSwitch();
        api.MapTokens();
        api.MapAudit();
        api.MapKeys();
        api.MapCampaigns();
        api.MapAssets();
        api.MapModels();
        api.MapRender();
        return app;
    }

    /// <summary>The kill-switch authority is a singleton on control nodes; other nodes talk to it through a proxy.</summary>
    private static AkkaConfigurationBuilder WithKillSwitch(this AkkaConfigurationBuilder b, bool isControl, SigningKeyRing keys)
    {
        var options = new ClusterSingletonOptions { Role = FleetCluster.ControlRole };
        return isControl
            ? b.WithSingleton<KillSwitchAuthorityKey>(KillSwitchTopics.AuthorityName, KillSwitchAuthority.Props(keys), options)
            : b.WithSingletonProxy<KillSwitchAuthorityKey>(KillSwitchTopics.AuthorityName, options);
    }

    /// <summary>Control nodes host the device shards and watch membership; other nodes reach the shards via a proxy.</summary>
    private static AkkaConfigurationBuilder WithDeviceRegistry(this AkkaConfigurationBuilder b, bool isControl)
    {
        if (!isControl)
            return b.WithShardRegionProxy<DeviceRegion>(FleetCluster.DeviceShard, FleetCluster.ControlRole, new DeviceMessageExtractor());
        return b
            .WithShardRegion<DeviceRegion>(FleetCluster.DeviceShard, DeviceActor.Props, new DeviceMessageExtractor(), new ShardOptions
            {
                Role = FleetCluster.ControlRole,
                RememberEntities = true,
                StateStoreMode = StateStoreMode.Persistence,
                RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
            })
            .WithActors((system, registry, _) =>
                system.ActorOf(Akka.Actor.Props.Create(() => new DeviceLivenessWatcher(registry.Get<DeviceRegion>())), "device-liveness"));
    }
}
