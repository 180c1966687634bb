using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Cli;
using Fleet.Shared.Enrolment;
using Fleet.Shared.IO;
using Fleet.Shared.Security.Pki;

namespace Fleet.Edge.Identity;

/// <summary>What a device got at enrolment, as it joins with it: its certificate with key, the fleet CA, seeds and tags.</summary>
public sealed record EdgeCredentials(EnrolmentBundle Bundle, X509Certificate2 Certificate, X509Certificate2 Ca)
{
    public string DeviceId => Bundle.DeviceId;
}

/// <summary>
/// The enrolment under <c>&lt;data&gt;/enrolment/</c>: <c>bundle.json</c> (no key), <c>device.key</c> (mode 600),
/// <c>device.crt</c> and <c>ca.crt</c>. Written once by <c>fleet-edge enroll</c>; read by every agent start.
/// </summary>
public static class EnrolmentStore
{
    public const string Folder = "enrolment";

    public static string DirOf(string dataDir) => Path.Combine(dataDir, Folder);

    public static bool Exists(string dataDir) => File.Exists(Path.Combine(DirOf(dataDir), "bundle.json"));

    public static EdgeCredentials? Load(string dataDir)
    {
        var dir = DirOf(dataDir);
        var bundlePath = Path.Combine(dir, "bundle.json");
        if (!File.Exists(bundlePath)) return null;
        var bundle = EnrolmentBundle.Parse(File.ReadAllText(bundlePath), bundlePath);
        var cert = FleetCertificates.LoadPair(Path.Combine(dir, "device.crt"), Path.Combine(dir, "device.key"));
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, "ca.crt")));
        return new EdgeCredentials(bundle, cert, ca);
    }

    /// <summary>Stores a bundle whose certificate matches <paramref name="keyPem"/>; refuses to replace an existing enrolment.</summary>
    public static EdgeCredentials Save(string dataDir, EnrolmentBundle bundle, string keyPem)
    {
        var dir = DirOf(dataDir);
        if (Exists(dataDir)) throw new FleetException($"this device is already enrolled ({dir}); remove that folder to enrol it again");
        X509Certificate2 cert;
        try { cert = FleetCertificates.FromPem(bundle.CertificatePem, keyPem); }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new FleetException($"the enrolment bundle's certificate does not match its key: {e.Message}");
        }
        var ca = X509Certificate2.CreateFromPem(bundle.CaCertificatePem);
        if (new FleetTrust(ca).Check(cert) is { } why) throw new FleetException($"the enrolment bundle is not usable: {why}");
        if (FleetCertificates.DeviceIdOf(cert) != bundle.DeviceId) throw new FleetException($"the bundle's certificate is not for device {bundle.DeviceId}");
        Directory.CreateDirectory(dir);
        PrivateFile.WriteNew(Path.Combine(dir, "device.key"), keyPem);
        File.WriteAllText(Path.Combine(dir, "device.crt"), bundle.CertificatePem);
        File.WriteAllText(Path.Combine(dir, "ca.crt"), bundle.CaCertificatePem);
        PrivateFile.WriteNew(Path.Combine(dir, "bundle.json"), (bundle with { PrivateKeyPem = null }).ToJson());
        // The first entry of the device's own record: who it is and which certificate it holds (never the key).
        using (var log = Shared.Audit.AuditLog.Open(Audit.AuditActor.PathIn(dataDir)))
            log.Append("enrolment", Shared.Audit.AuditCommands.Actions.Enrolled, bundle.DeviceId,
                $"certificate serial {cert.SerialNumber} valid until {cert.NotAfter.ToUniversalTime():u}");
        return new EdgeCredentials(bundle, cert, ca);
    }
}
