using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Fleet.Edge.Link;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Hosting;

/// <summary>
/// One development-membership session (--insecure-dev): an actor system that joins the cluster and holds only the cloud
/// link, which reaches the node's long-lived actors (<see cref="LocalDevice"/>) by reference. A cluster member that
/// failed to join or was removed cannot join again, so each attempt is a fresh system; it ends when the join gives up or
/// the cloud is lost, and the agent starts the next one. The local API and renders never notice.
/// </summary>
public sealed class ClusterSession : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterSession(IHost host, LinkSession link)
    {
        _host = host;
        Link = link;
        Terminated = host.Services.GetRequiredService<ActorSystem>().WhenTerminated;
    }

    public LinkSession Link { get; }
    public Task Terminated { get; }

    public static async Task<ClusterSession> StartAsync(EdgeOptions o, DeviceFacts facts, ViaMembership membership, LocalDevice local, CancellationToken ct)
    {
        var link = new LinkSession();
        var creds = membership.Credentials;
        Func<string, DeviceProof?> prove = creds is null ? _ => null : address => RegistrationProof.Sign(creds.Certificate, facts, address, DateTimeOffset.UtcNow);
        var builder = Host.CreateApplicationBuilder();
        o.Log.Apply(builder.Logging);
        builder.Services.AddSingleton<IHostLifetime, AgentOwnedLifetime>();
        builder.Services.AddAkka(FleetCluster.SystemName, (b, _) =>
        {
            b.ConfigureLoggers(Shared.Logging.AkkaLogBridge.Use);
            b.WithDeviceMembership(o, facts, membership);
            // Only the start-up logger: this session's Akka level stays at ERROR (set by the membership settings).
            if (o.Log.Json) b.AddHocon(o.Log.AkkaStdoutHocon, HoconAddMode.Prepend);
            b.AddMembershipLink(facts, prove, local, o.Telemetry, link);
        });
        var host = builder.Build();
        await host.StartAsync(ct);
        return new ClusterSession(host, link);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await _host.StopAsync(cts.Token); } catch (OperationCanceledException) { }
        _host.Dispose();
    }
}

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
        .WithShardRegionProxy<DeviceRegion>(ActorNames.Singletons.DeviceShard, FleetCluster.ControlRole, new DeviceMessageExtractor())
        .WithSingletonProxy<TelemetryIngestKey>(ActorNames.Singletons.TelemetryIngest, new ClusterSingletonOptions { Role = FleetCluster.ControlRole })
        .WithSingletonProxy<KillSwitchAuthorityKey>(ActorNames.Singletons.KillSwitch, new ClusterSingletonOptions { Role = FleetCluster.ControlRole })
        .WithSingletonProxy<CampaignStoreProxy>(ActorNames.Singletons.Campaigns, new ClusterSingletonOptions { Role = FleetCluster.ControlRole });
}
