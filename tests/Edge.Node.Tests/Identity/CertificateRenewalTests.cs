using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fleet.Edge.Identity;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Security.Pki;

namespace Fleet.Edge.Node.Tests.Identity;

/// <summary>
/// The device's half of renewal with a real fleet CA in a temp folder: when it asks, what it accepts, and how the
/// renewed pair reaches the disk without ever leaving a mismatched one behind, whatever point a crash stops it at.
/// </summary>
public sealed class CertificateRenewalTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fleet-renewal-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FleetCa _ca;

    public CertificateRenewalTests() => _ca = FleetCa.Create(Path.Combine(_dir, "ca", FleetCa.KeyFile));

    private string Data => Path.Combine(_dir, "edge");
    private string Enrolment => EnrolmentStore.DirOf(Data);

    private EdgeCredentials Enrol(TimeSpan lifetime, DateTimeOffset? notBefore = null)
    {
        using var cert = _ca.IssueDeviceWithKey("kiosk-1", lifetime, notBefore);
        var bundle = new EnrolmentBundle("kiosk-1", cert.ExportCertificatePem(), null, _ca.Certificate.ExportCertificatePem(), [], null,
            new Dictionary<string, string>(), null, ["127.0.0.1:4443"]);
        return EnrolmentStore.Save(Data, bundle, FleetCertificates.KeyPem(cert));
    }

    /// <summary>Asks as the link does and answers as the cloud does (same device, the request's key).</summary>
    private static string Answer(FleetCa ca, string csrPem, string deviceId = "kiosk-1")
    {
        var key = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256).PublicKey;
        using var cert = ca.IssueDevice(deviceId, key, TimeSpan.FromDays(30));
        return cert.ExportCertificatePem();
    }

    [Fact]
    public void A_certificate_is_due_once_less_than_the_fraction_of_its_lifetime_is_left()
    {
        var creds = Enrol(TimeSpan.FromDays(30));
        using var renewal = new CertificateRenewal(1.0 / 3);
        var now = DateTimeOffset.UtcNow;
        Assert.False(CertificateRenewal.IsDue(creds.Certificate, now, 1.0 / 3));
        Assert.Null(renewal.Next(creds, now));
        Assert.True(CertificateRenewal.IsDue(creds.Certificate, now.AddDays(21), 1.0 / 3));
        Assert.NotNull(renewal.Next(creds, now.AddDays(21)));
        // Asked once; not again before the retry delay, even though still due.
        Assert.Null(renewal.Next(creds, now.AddDays(21).AddSeconds(1)));
        Assert.NotNull(renewal.Next(creds, now.AddDays(21) + CertificateRenewal.RetryDelay(creds.Certificate)));
    }

    [Theory]
    [InlineData("1/3", 1.0 / 3)]
    [InlineData("0.25", 0.25)]
    [InlineData("25%", 0.25)]
    public void Renew_before_takes_a_fraction_as_a_ratio_a_decimal_or_a_percentage(string raw, double expected) =>
        Assert.Equal(expected, Fleet.Edge.Hosting.EdgeOptions.ParseFraction(raw, "--renew-before"), 6);

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("150%")]
    [InlineData("1/0")]
    [InlineData("soon")]
    public void Renew_before_outside_zero_to_one_is_a_usage_error(string raw) =>
        Assert.Throws<Fleet.Shared.Cli.UsageException>(() => Fleet.Edge.Hosting.EdgeOptions.ParseFraction(raw, "--renew-before"));

    [Fact]
    public void A_renewed_certificate_is_stored_with_its_new_key_mode_600_and_used_from_the_next_load()
    {
        var creds = Enrol(TimeSpan.FromDays(30));
        using var renewal = new CertificateRenewal(1.0 / 3);
        var request = renewal.Next(creds, DateTimeOffset.UtcNow.AddDays(25))!;
        var (renewed, line) = renewal.Adopt(Answer(_ca, request.RenewCertificate.CsrPem), creds, Data, DateTimeOffset.UtcNow);
        Assert.StartsWith("device certificate renewed", line);

        var loaded = EnrolmentStore.Load(Data)!;
        Assert.Equal(renewed!.Certificate.SerialNumber, loaded.Certificate.SerialNumber);
        Assert.NotEqual(creds.Certificate.SerialNumber, loaded.Certificate.SerialNumber);
        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.Empty(Directory.GetFiles(Enrolment, "*" + EnrolmentStore.NextSuffix));
        if (!OperatingSystem.IsWindows())
            foreach (var file in new[] { EnrolmentStore.KeyFile, EnrolmentStore.CertFile })
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Enrolment, file)));
    }

    [Fact]
    public void A_certificate_for_another_device_another_key_or_another_ca_is_refused_and_the_current_pair_stays()
    {
        var creds = Enrol(TimeSpan.FromDays(30));
        using var renewal = new CertificateRenewal(1.0 / 3);
        Assert.Contains("did not ask for", renewal.Accept(Answer(_ca, DeviceCsr.Create("kiosk-1", ECDsa.Create())), creds, DateTimeOffset.UtcNow).Problem);

        var csr = renewal.Next(creds, DateTimeOffset.UtcNow.AddDays(25))!.RenewCertificate.CsrPem;
        Assert.Contains("not for device kiosk-1", renewal.Accept(Answer(_ca, csr, "kiosk-2"), creds, DateTimeOffset.UtcNow).Problem);
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            Assert.Contains("not over the key", renewal.Accept(Answer(_ca, DeviceCsr.Create("kiosk-1", other)), creds, DateTimeOffset.UtcNow).Problem);
        using (var foreign = FleetCa.Create(Path.Combine(_dir, "other-ca", FleetCa.KeyFile)))
            Assert.Contains("not issued by the fleet CA", renewal.Accept(Answer(foreign, csr), creds, DateTimeOffset.UtcNow).Problem);

        Assert.Equal(creds.Certificate.SerialNumber, EnrolmentStore.Load(Data)!.Certificate.SerialNumber);
    }

    [Fact]
    public void A_renewal_stopped_at_any_point_leaves_the_old_pair_or_a_whole_new_one()
    {
        var creds = Enrol(TimeSpan.FromDays(30));
        var (key, cert) = (Path.Combine(Enrolment, EnrolmentStore.KeyFile), Path.Combine(Enrolment, EnrolmentStore.CertFile));
        using var next = _ca.IssueDeviceWithKey("kiosk-1", TimeSpan.FromDays(30));
        var (nextKey, nextCert) = (FleetCertificates.KeyPem(next), next.ExportCertificatePem());
        var (oldKey, oldCert) = (File.ReadAllText(key), File.ReadAllText(cert));

        // Stopped while staging: only the new key was written. The old pair stands.
        File.WriteAllText(key + EnrolmentStore.NextSuffix, nextKey);
        Assert.Equal(creds.Certificate.SerialNumber, EnrolmentStore.Load(Data)!.Certificate.SerialNumber);
        Assert.False(File.Exists(key + EnrolmentStore.NextSuffix));

        // Stopped after staging both: the load finishes the move.
        File.WriteAllText(key + EnrolmentStore.NextSuffix, nextKey);
        File.WriteAllText(cert + EnrolmentStore.NextSuffix, nextCert);
        Assert.Equal(next.SerialNumber, EnrolmentStore.Load(Data)!.Certificate.SerialNumber);

        // Stopped between the two moves: the new key is in place, the new certificate still staged.
        File.WriteAllText(key, oldKey);
        File.WriteAllText(cert, oldCert);
        File.WriteAllText(key, nextKey);
        File.WriteAllText(cert + EnrolmentStore.NextSuffix, nextCert);
        Assert.Equal(next.SerialNumber, EnrolmentStore.Load(Data)!.Certificate.SerialNumber);
        Assert.Empty(Directory.GetFiles(Enrolment, "*" + EnrolmentStore.NextSuffix));
    }

    public void Dispose()
    {
        _ca.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
