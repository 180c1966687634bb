using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Security.Pki;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Shared.Tests.Security.Pki;

/// <summary>Real mutual TLS over loopback between two in-process actor systems configured like every Fleet node.</summary>
public sealed class RemotingMtlsTests : IDisposable
{
    private readonly TestPki _pki = new();

    [Fact]
    public async Task Two_nodes_with_fleet_certificates_form_a_cluster()
    {
        var trust = new FleetTrust(_pki.Ca.Certificate);
        var port = FreePort();
        using var seed = await StartAsync(port, port, new RemotingTls(_pki.Node("a"), trust));
        using var joiner = await StartAsync(FreePort(), port, new RemotingTls(_pki.Device("kiosk-1"), trust));
        await UntilAsync(() => Members(seed.System) == 2 && Members(joiner.System) == 2, TimeSpan.FromSeconds(20));
    }

    public static IEnumerable<object[]> BadCertificates() => new[]
    {
        new object[] { "self-signed" }, new object[] { "other-ca" }, new object[] { "expired" }, new object[] { "revoked" },
    };

    [Theory]
    [MemberData(nameof(BadCertificates))]
    public async Task A_node_with_a_bad_certificate_cannot_join(string kind)
    {
        var revoked = new RevocationList(null);
        var trust = new FleetTrust(_pki.Ca.Certificate, revoked);
        using var other = new TestPki();
        X509Certificate2 cert = kind switch
        {
            "self-signed" => TestPki.SelfSigned("kiosk-1"),
            "other-ca" => other.Device("kiosk-1"),
            "expired" => _pki.ExpiredDevice("kiosk-1"),
            _ => _pki.Device("kiosk-1"),
        };
        if (kind == "revoked") revoked.Add("kiosk-1");
        var port = FreePort();
        using var seed = await StartAsync(port, port, new RemotingTls(_pki.Node("a"), trust));
        // The intruder trusts the fleet CA, so only the cloud's check can keep it out.
        using var intruder = await StartAsync(FreePort(), port, new RemotingTls(cert, new FleetTrust(_pki.Ca.Certificate)));
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal(1, Members(seed.System));
        Assert.NotEqual(Akka.Cluster.MemberStatus.Up, Akka.Cluster.Cluster.Get(intruder.System).SelfMember.Status);
    }

    [Fact]
    public async Task A_plain_tcp_node_cannot_join_a_tls_cluster()
    {
        var port = FreePort();
        using var seed = await StartAsync(port, port, new RemotingTls(_pki.Node("a"), new FleetTrust(_pki.Ca.Certificate)));
        using var plain = await StartAsync(FreePort(), port, null);
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal(1, Members(seed.System));
    }

    private static int Members(ActorSystem s) =>
        Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    private static async Task UntilAsync(Func<bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("cluster did not form");
            await Task.Delay(100);
        }
    }

    private static async Task<Node> StartAsync(int port, int seedPort, RemotingTls? tls)
    {
        var settings = new NodeSettings
        {
            Port = port,
            Roles = new[] { FleetCluster.ControlRole },
            SeedNodes = new[] { $"akka.tcp://{FleetCluster.SystemName}@127.0.0.1:{seedPort}" },
            Tls = tls,
            LogLevel = "ERROR",
        };
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddAkka(FleetCluster.SystemName, b => b.WithFleetNode(settings))).Build();
        await host.StartAsync();
        return new Node(host);
    }

    private sealed class Node(IHost host) : IDisposable
    {
        public ActorSystem System => host.Services.GetRequiredService<ActorSystem>();

        public void Dispose()
        {
            host.StopAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            host.Dispose();
        }
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose() => _pki.Dispose();
}
