using System.Security.Cryptography;
using Akka.Actor;
using Fleet.Shared.Cluster;
using Fleet.Shared.Cluster.Attestation;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Tests.Security.Pki;

namespace Fleet.Shared.Tests.Cluster;

/// <summary>The pure check behind member attestation: certificate, address, freshness, signature, and roles.</summary>
public sealed class NodeAttestationTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly Address Member = new(FleetCluster.TlsScheme, FleetCluster.SystemName, "10.0.0.7", 4053);
    private readonly TestPki _pki = new();
    private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(32);

    private FleetTrust Trust => new(_pki.Ca.Certificate);

    private System.Security.Cryptography.X509Certificates.X509Certificate2 NodeCert(string[] roles, string name = "10.0.0.7:4053", params string[] hosts) =>
        _pki.Ca.IssueNode(name, roles, hosts, TimeSpan.FromDays(1));

    private string? Check(NodeAttestationProtocol.Statement s, string[] memberRoles, Address? member = null, DateTimeOffset? now = null) =>
        NodeAttestation.Check(Trust, s, member ?? Member, memberRoles, _nonce, now ?? Now);

    [Fact]
    public void A_node_certificate_carries_its_roles_and_a_device_certificate_none()
    {
        var node = _pki.Ca.IssueNode("cloud-0", new[] { "control", "render", "gateway" }, new[] { "127.0.0.1" }, TimeSpan.FromDays(1));
        Assert.Equal(new[] { "control", "gateway", "render" }, FleetCertificates.RolesOf(node).Order());
        Assert.Equal("cloud-0", FleetCertificates.NodeNameOf(node));
        Assert.Empty(FleetCertificates.RolesOf(_pki.Device("kiosk-1")));
        Assert.Null(FleetCertificates.NodeNameOf(_pki.Device("kiosk-1")));
    }

    [Fact]
    public void A_statement_from_the_certificate_holder_for_its_own_address_and_granted_roles_is_accepted()
    {
        var cert = NodeCert(new[] { "control", "render" });
        Assert.Null(Check(NodeAttestation.Sign(cert, Member, new[] { "render", "control" }, _nonce, Now), new[] { "control", "render" }));
        Assert.Null(Check(NodeAttestation.Sign(cert, Member, new[] { "render" }, _nonce, Now), new[] { "render" }));
    }

    [Fact]
    public void A_member_claiming_a_role_its_certificate_does_not_grant_is_refused()
    {
        var cert = NodeCert(new[] { "render" });
        var reason = Check(NodeAttestation.Sign(cert, Member, new[] { "render", "control" }, _nonce, Now), new[] { "render", "control" });
        Assert.Equal("it claims role(s) control that certificate of node 10.0.0.7:4053 does not grant (it grants render)", reason);
        Assert.Contains("claims role(s) device-x,edge", Check(NodeAttestation.Sign(cert, Member, new[] { "edge", "device-x" }, _nonce, Now), new[] { "edge", "device-x" }));
    }

    [Fact]
    public void A_statement_whose_roles_differ_from_membership_is_refused()
    {
        var cert = NodeCert(new[] { "control", "render" });
        Assert.Contains("its statement names roles render, membership control", Check(NodeAttestation.Sign(cert, Member, new[] { "render" }, _nonce, Now), new[] { "control" }));
    }

    [Fact]
    public void A_certificate_must_name_the_member_address_by_node_name_or_host()
    {
        var other = new Address(FleetCluster.TlsScheme, FleetCluster.SystemName, "10.0.0.8", 4053);
        var cert = NodeCert(new[] { "render" });
        Assert.True(NodeAttestation.NamesAddress(cert, Member));
        Assert.False(NodeAttestation.NamesAddress(cert, Member.WithPort(4054)));
        Assert.Equal("certificate of node 10.0.0.7:4053 does not name 10.0.0.8:4053",
            Check(NodeAttestation.Sign(cert, other, new[] { "render" }, _nonce, Now), new[] { "render" }, other));

        var pods = NodeCert(new[] { "render" }, "fleet-render", "*.fleet-render.fleet.svc.cluster.local", "10.0.0.9");
        Assert.True(NodeAttestation.NamesAddress(pods, Host("fleet-render-7f9c-x2.fleet-render.fleet.svc.cluster.local")));
        Assert.True(NodeAttestation.NamesAddress(pods, Host("10.0.0.9")));
        Assert.False(NodeAttestation.NamesAddress(pods, Host("a.b.fleet-render.fleet.svc.cluster.local")));
        Assert.False(NodeAttestation.NamesAddress(pods, Host("fleet-render.fleet.svc.cluster.local")));
        Assert.False(NodeAttestation.NamesAddress(pods, Host("10.0.0.7")));
    }

    [Fact]
    public void A_statement_for_another_address_another_challenge_or_out_of_date_is_refused()
    {
        var cert = NodeCert(new[] { "render" });
        var elsewhere = new Address(FleetCluster.TlsScheme, FleetCluster.SystemName, "10.0.0.7", 4054);
        Assert.Contains("is for akka.ssl.tcp://fleet@10.0.0.7:4054", Check(NodeAttestation.Sign(cert, elsewhere, new[] { "render" }, _nonce, Now), new[] { "render" }));
        Assert.Equal("its statement answers a different challenge",
            Check(NodeAttestation.Sign(cert, Member, new[] { "render" }, RandomNumberGenerator.GetBytes(32), Now), new[] { "render" }));
        Assert.Contains("too old or in the future", Check(NodeAttestation.Sign(cert, Member, new[] { "render" }, _nonce, Now.AddMinutes(-10)), new[] { "render" }));
    }

    [Fact]
    public void A_tampered_statement_or_one_signed_with_another_key_is_refused()
    {
        var cert = NodeCert(new[] { "render" });
        var good = NodeAttestation.Sign(cert, Member, new[] { "render" }, _nonce, Now);
        Assert.Equal("its statement's signature does not match its certificate", Check(good with { SignedAt = Now.AddSeconds(1) }, new[] { "render" }));
        // A control node's statement relayed with a render certificate: the signature is not that certificate's.
        var control = NodeAttestation.Sign(NodeCert(new[] { "control" }), Member, new[] { "control" }, _nonce, Now);
        Assert.Equal("its statement's signature does not match its certificate", Check(control with { Certificate = cert.RawData }, new[] { "control" }));
    }

    [Fact]
    public void Device_foreign_and_unreadable_certificates_are_refused()
    {
        var device = _pki.Device("kiosk-1");
        Assert.Contains("is not a node certificate", Check(NodeAttestation.Sign(device, Member, new[] { "edge" }, _nonce, Now), new[] { "edge" }));
        using var other = new TestPki();
        var foreign = other.Ca.IssueNode("10.0.0.7:4053", new[] { "control" }, Array.Empty<string>(), TimeSpan.FromDays(1));
        Assert.Contains("not issued by the fleet CA", Check(NodeAttestation.Sign(foreign, Member, new[] { "control" }, _nonce, Now), new[] { "control" }));
        var good = NodeAttestation.Sign(NodeCert(new[] { "render" }), Member, new[] { "render" }, _nonce, Now);
        Assert.Equal("its statement carries an unreadable certificate", Check(good with { Certificate = new byte[] { 1, 2, 3 } }, new[] { "render" }));
    }

    [Fact]
    public void Remoting_accepts_node_certificates_only()
    {
        Assert.Null(Trust.CheckNode(_pki.Node("cloud-0")));
        Assert.Equal("certificate of device kiosk-1 is not a node certificate: devices connect through a gateway, never to remoting",
            Trust.CheckNode(_pki.Device("kiosk-1")));
        Assert.Equal("no client certificate presented", Trust.CheckNode(null));
    }

    private static Address Host(string host) => new(FleetCluster.TlsScheme, FleetCluster.SystemName, host, 4053);

    public void Dispose() => _pki.Dispose();
}
