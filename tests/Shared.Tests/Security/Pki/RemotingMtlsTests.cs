using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Cluster;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Tests.Support;
using static Fleet.Shared.Tests.Support.TlsNode;

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
        using var joiner = await StartAsync(FreePort(), port, new RemotingTls(_pki.Node("b"), trust));
        await UntilAsync(() => seed.UpMembers == 2 && joiner.UpMembers == 2, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_device_certificate_never_makes_a_cluster_member()
    {
        var trust = new FleetTrust(_pki.Ca.Certificate);
        var port = FreePort();
        using var seed = await StartAsync(port, port, new RemotingTls(_pki.Node("a"), trust));
        var handshakes = FailedHandshakes(seed);
        // A perfectly valid, enrolled device certificate: refused at the TLS handshake all the same.
        using var device = await StartAsync(FreePort(), port, new RemotingTls(_pki.Device("kiosk-1"), trust), FleetCluster.EdgeRole, "device-kiosk-1");
        await RefusedAsync(handshakes);
        Assert.Equal(1, seed.UpMembers);
        Assert.NotEqual(Akka.Cluster.MemberStatus.Up, device.Cluster.SelfMember.Status);
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
            "other-ca" => other.Node("intruder"),
            "expired" => _pki.ExpiredDevice("kiosk-1"),
            _ => _pki.Device("kiosk-1"),
        };
        if (kind == "revoked") revoked.Add("kiosk-1");
        var port = FreePort();
        using var seed = await StartAsync(port, port, new RemotingTls(_pki.Node("a"), trust));
        var handshakes = FailedHandshakes(seed);
        // The intruder trusts the fleet CA, so only the cloud's check can keep it out.
        using var intruder = await StartAsync(FreePort(), port, new RemotingTls(cert, new FleetTrust(_pki.Ca.Certificate)));
        await RefusedAsync(handshakes);
        Assert.Equal(1, seed.UpMembers);
        Assert.NotEqual(Akka.Cluster.MemberStatus.Up, intruder.Cluster.SelfMember.Status);
    }

    [Fact]
    public async Task A_plain_tcp_node_cannot_join_a_tls_cluster()
    {
        var port = FreePort();
        using var seed = await StartAsync(port, port, new RemotingTls(_pki.Node("a"), new FleetTrust(_pki.Ca.Certificate)));
        var handshakes = FailedHandshakes(seed);
        using var plain = await StartAsync(FreePort(), port, null);
        await RefusedAsync(handshakes);
        Assert.Equal(1, seed.UpMembers);
    }

    // The seed's transport logs every refused handshake; the only way into membership is through one, so once the joiner's
    // attempt was refused the seed's member count says whether anything got past.
    private static Akka.Actor.Inbox FailedHandshakes(TlsNode seed)
    {
        var errors = Akka.Actor.Inbox.Create(seed.System);
        seed.System.EventStream.Subscribe(errors.Receiver, typeof(Akka.Event.Error));
        return errors;
    }

    private static async Task RefusedAsync(Akka.Actor.Inbox errors)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (((Akka.Event.Error)await errors.ReceiveAsync(until - DateTime.UtcNow)).Message?.ToString()?.Contains("TLS handshake failed", StringComparison.Ordinal) != true) { }
    }

    public void Dispose() => _pki.Dispose();
}
