using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Security.Pki;

namespace Fleet.Shared.Tests.Security.Pki;

/// <summary>A throwaway fleet CA in a temp folder, plus certificates no fleet should accept.</summary>
public sealed class TestPki : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fleet-pki-" + Guid.NewGuid().ToString("N")[..8]);

    public TestPki() => Ca = FleetCa.Create(Path.Combine(_dir, "ca", FleetCa.KeyFile));

    public FleetCa Ca { get; }
    public string KeyPath => Path.Combine(_dir, "ca", FleetCa.KeyFile);

    /// <summary>A node certificate for loopback granting <paramref name="roles"/> (default: control).</summary>
    public X509Certificate2 Node(string name = "cloud-0", params string[] roles) =>
        Ca.IssueNode(name, roles.Length == 0 ? new[] { Fleet.Shared.Cluster.FleetCluster.ControlRole } : roles, new[] { "127.0.0.1" }, TimeSpan.FromDays(1));

    public X509Certificate2 Device(string id) => Ca.IssueDeviceWithKey(id, TimeSpan.FromDays(30));

    public X509Certificate2 ExpiredDevice(string id) => Ca.IssueDeviceWithKey(id, TimeSpan.FromDays(1), DateTimeOffset.UtcNow.AddDays(-3));

    public static X509Certificate2 SelfSigned(string id)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={id}, OU=device, O=Fleet", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(FleetCertificates.DeviceUri(id)));
        req.CertificateExtensions.Add(san.Build());
        var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        Ca.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
