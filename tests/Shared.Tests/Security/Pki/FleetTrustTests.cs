using Fleet.Shared.Cli;
using Fleet.Shared.Security.Pki;

namespace Fleet.Shared.Tests.Security.Pki;

public sealed class FleetTrustTests : IDisposable
{
    private readonly TestPki _pki = new();

    [Fact]
    public void Certificates_from_the_fleet_ca_are_accepted_and_name_their_device_or_node()
    {
        var trust = new FleetTrust(_pki.Ca.Certificate);
        var device = _pki.Device("kiosk-1");
        Assert.Null(trust.Check(device));
        Assert.Equal("kiosk-1", FleetCertificates.DeviceIdOf(device));
        Assert.Equal(Fleet.Shared.Devices.DeviceId.Parse("kiosk-1"), FleetCertificates.DeviceOf(device));
        Assert.True(device.HasPrivateKey);
        var node = _pki.Node();
        Assert.Null(trust.Check(node));
        Assert.Null(FleetCertificates.DeviceIdOf(node));
        Assert.Null(FleetCertificates.DeviceOf(node));
        Assert.True(FleetCertificates.IsNode(node));
    }

    [Fact]
    public void The_ca_signs_no_device_certificate_for_text_that_is_no_device_id()
    {
        var e = Assert.Throws<FormatException>(() => _pki.Ca.IssueDeviceWithKey("kiosk-1, O=Other", TimeSpan.FromHours(1)));
        Assert.Equal("device id 'kiosk-1, O=Other' is invalid: use 1-63 of a-z 0-9 . _ - starting with a letter or digit", e.Message);
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var csr = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=x", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        Assert.Throws<FormatException>(() => _pki.Ca.IssueDevice("Kiosk-1", csr.PublicKey, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Missing_self_signed_foreign_expired_and_revoked_certificates_are_refused_with_a_reason()
    {
        var revoked = new RevocationList(null);
        var trust = new FleetTrust(_pki.Ca.Certificate, revoked);
        using var other = new TestPki();
        Assert.Equal("no client certificate presented", trust.Check(null));
        Assert.Contains("self-signed", trust.Check(TestPki.SelfSigned("kiosk-1")));
        Assert.Contains("not issued by the fleet CA", trust.Check(other.Device("kiosk-1")));
        Assert.Contains("expired at", trust.Check(_pki.ExpiredDevice("kiosk-1")));
        Assert.Contains("is not a node certificate", trust.Check(_pki.Ca.Certificate));
        var cert = _pki.Device("kiosk-9");
        revoked.Add("kiosk-9");
        Assert.Equal("device kiosk-9 is revoked", trust.Check(cert));
    }

    [Fact]
    public void The_tls_chain_policy_reaches_this_ca_alone()
    {
        var trust = new FleetTrust(_pki.Ca.Certificate);
        using var other = new TestPki();
        using var own = new System.Security.Cryptography.X509Certificates.X509Chain { ChainPolicy = trust.TlsChainPolicy() };
        Assert.True(own.Build(_pki.Device("kiosk-1")));
        using var foreign = new System.Security.Cryptography.X509Certificates.X509Chain { ChainPolicy = trust.TlsChainPolicy() };
        Assert.False(foreign.Build(other.Device("kiosk-1")));
        Assert.NotSame(trust.TlsChainPolicy(), trust.TlsChainPolicy());
    }

    [Fact]
    public void A_certificate_is_chained_to_the_ca_once_and_its_dates_and_revocation_are_checked_every_time()
    {
        var now = DateTimeOffset.UtcNow;
        var revoked = new RevocationList(null);
        var trust = new FleetTrust(_pki.Ca.Certificate, revoked, () => now);
        var cert = _pki.Device("kiosk-1");
        Assert.Null(trust.Check(cert));
        using (var sameDer = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(cert.RawData))
            Assert.Null(trust.Check(sameDer));
        Assert.Equal(1, trust.ChainsBuilt);
        // A refusal is not remembered: the chain is built again each time.
        using var other = new TestPki();
        var foreign = other.Device("kiosk-1");
        Assert.Contains("not issued by the fleet CA", trust.Check(foreign));
        Assert.Contains("not issued by the fleet CA", trust.Check(foreign));
        Assert.Equal(3, trust.ChainsBuilt);
        revoked.Add("kiosk-1");
        Assert.Equal("device kiosk-1 is revoked", trust.Check(cert));
        now = cert.NotAfter.ToUniversalTime().AddMinutes(1);
        Assert.Contains("expired at", trust.Check(cert));
    }

    [Fact]
    public void The_ca_key_is_private_reloads_and_is_never_overwritten()
    {
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_pki.KeyPath));
        using var again = FleetCa.Load(_pki.KeyPath);
        Assert.Equal(_pki.Ca.Fingerprint, again.Fingerprint);
        Assert.Null(new FleetTrust(_pki.Ca.Certificate).Check(again.IssueDeviceWithKey("x", TimeSpan.FromDays(1))));
        Assert.Throws<FleetException>(() => FleetCa.Create(_pki.KeyPath));
    }

    [Fact]
    public void A_revocation_is_kept_in_the_database_for_a_restarted_node_and_reaches_another_node_on_reload()
    {
        using var dir = new Fleet.Shared.Tests.Support.TempDir();
        var store = Fleet.Shared.Persistence.ControlStore.Open(Fleet.Shared.Persistence.DbTarget.Sqlite(dir.File("fleet.db")));
        var other = new RevocationList(store);
        new RevocationList(store).Add("kiosk-2");
        Assert.False(other.IsRevoked("kiosk-2"));
        other.Reload();
        Assert.True(other.IsRevoked("kiosk-2"));
        var restarted = new RevocationList(Fleet.Shared.Persistence.ControlStore.Open(Fleet.Shared.Persistence.DbTarget.Sqlite(dir.File("fleet.db"))));
        Assert.True(restarted.IsRevoked("kiosk-2"));
        Assert.False(restarted.IsRevoked("kiosk-3"));
    }

    public void Dispose() => _pki.Dispose();
}
