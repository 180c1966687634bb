using Akka.Actor;
using Akka.Hosting;
using Fleet.Shared.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Shared.Tests.Support;

/// <summary>An in-process actor system configured like every Fleet node (remoting, cluster, TLS when given) on loopback.</summary>
public sealed class TlsNode(IHost host) : IDisposable
{
    public ActorSystem System => host.Services.GetRequiredService<ActorSystem>();

    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    public static Task<TlsNode> StartAsync(int port, int seedPort, RemotingTls? tls, params string[] roles) =>
        StartLoggingAsync(port, seedPort, tls, "ERROR", roles);

    /// <param name="logLevel">The lowest Akka log level published on the event stream (a test that waits for a warning).</param>
    public static async Task<TlsNode> StartLoggingAsync(int port, int seedPort, RemotingTls? tls, string logLevel, params string[] roles)
    {
        var settings = new NodeSettings
        {
            Port = port,
            Roles = roles.Length == 0 ? new[] { FleetCluster.ControlRole } : roles,
            SeedNodes = new[] { $"akka.tcp://{FleetCluster.SystemName}@127.0.0.1:{seedPort}" },
            Tls = tls,
            LogLevel = logLevel,
            // These tests are about who may join, not failure detection: three nodes in one test process on a loaded
            // 2-core machine can miss Akka's default 3 s of heartbeats, and a node called unreachable may then be downed.
            HeartbeatPause = TimeSpan.FromSeconds(6),
        };
        var built = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddAkka(FleetCluster.SystemName, b => b.WithFleetNode(settings))).Build();
        await built.StartAsync();
        return new TlsNode(built);
    }

    /// <summary>Members this node sees Up.</summary>
    public int UpMembers => Cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    public static async Task UntilAsync(Func<bool> done, TimeSpan timeout, string what = "cluster did not form")
    {
        var until = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException(what);
            await Task.Delay(100);
        }
    }

    public static int FreePort()
    {
        using var l = new global::System.Net.Sockets.TcpListener(global::System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((global::System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        host.StopAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        host.Dispose();
    }
}
