using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Cli;
using Fleet.Shared.Devices;
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
/// <c>device.crt</c> and <c>ca.crt</c>. Written by <c>fleet-edge enroll</c>; read by every agent start. A renewal
/// replaces <c>device.key</c> and <c>device.crt</c> (the current pair; <c>bundle.json</c> keeps the one enrolled with).
/// </summary>
public static class EnrolmentStore
{
    public const string Folder = "enrolment";
    public const string KeyFile = "device.key";
    public const string CertFile = "device.crt";
    /// <summary>Suffix of a renewed key or certificate written beside the current one before it replaces it.</summary>
    public const string NextSuffix = ".next";

    public static string DirOf(string dataDir) => Path.Combine(dataDir, Folder);

    public static bool Exists(string dataDir) => File.Exists(Path.Combine(DirOf(dataDir), "bundle.json"));

    public static EdgeCredentials? Load(string dataDir)
    {
        var dir = DirOf(dataDir);
        var bundlePath = Path.Combine(dir, "bundle.json");
        if (!File.Exists(bundlePath)) return null;
        var bundle = EnrolmentBundle.Parse(File.ReadAllText(bundlePath), bundlePath);
        FinishRenewal(dir);
        var cert = FleetCertificates.LoadPair(Path.Combine(dir, CertFile), Path.Combine(dir, KeyFile));
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
        if (!DeviceId.TryParse(bundle.DeviceId, out var device)) throw new FleetException($"the enrolment bundle is not usable: {DeviceId.Invalid(bundle.DeviceId)}");
        if (FleetCertificates.DeviceOf(cert) != device) throw new FleetException($"the bundle's certificate is not for device {bundle.DeviceId}");
        Directory.CreateDirectory(dir);
        PrivateFile.WriteNew(Path.Combine(dir, KeyFile), keyPem);
        File.WriteAllText(Path.Combine(dir, CertFile), bundle.CertificatePem);
        File.WriteAllText(Path.Combine(dir, "ca.crt"), bundle.CaCertificatePem);
        PrivateFile.WriteNew(Path.Combine(dir, "bundle.json"), (bundle with { PrivateKeyPem = null }).ToJson());
        // The first entry of the device's own record: who it is and which certificate it holds (never the key).
        using (var log = Shared.Audit.AuditLog.Open(Audit.AuditActor.PathIn(dataDir)))
            log.Append("enrolment", Shared.Audit.AuditCommands.Actions.Enrolled, bundle.DeviceId,
                $"certificate serial {cert.SerialNumber} valid until {cert.NotAfter.ToUniversalTime():u}");
        return new EdgeCredentials(bundle, cert, ca);
    }

    /// <summary>
    /// Replaces the current certificate and key with <paramref name="renewed"/> (which holds its key), never leaving a
    /// mismatched pair: the new key, then the new certificate, are written beside the old ones (mode 600, each complete
    /// before it gets its name), and only then moved over them. After a crash at any point, <see cref="Load"/> finds
    /// either the old pair or a complete new one, and finishes the move.
    /// </summary>
    public static EdgeCredentials SaveRenewed(string dataDir, EdgeCredentials current, X509Certificate2 renewed)
    {
        var dir = DirOf(dataDir);
        PrivateFile.WriteNew(Path.Combine(dir, KeyFile + NextSuffix), FleetCertificates.KeyPem(renewed));
        PrivateFile.WriteNew(Path.Combine(dir, CertFile + NextSuffix), renewed.ExportCertificatePem());
        FinishRenewal(dir);
        return current with { Certificate = renewed };
    }

    /// <summary>
    /// A staged certificate means its key was staged before it: move both in (the key first). A staged key alone is a
    /// renewal that stopped half-way through writing: the old pair stands and the stray key goes.
    /// </summary>
    private static void FinishRenewal(string dir)
    {
        var (key, cert) = (Path.Combine(dir, KeyFile), Path.Combine(dir, CertFile));
        if (!File.Exists(cert + NextSuffix))
        {
            File.Delete(key + NextSuffix);
            return;
        }
        if (File.Exists(key + NextSuffix)) File.Move(key + NextSuffix, key, overwrite: true);
        File.Move(cert + NextSuffix, cert, overwrite: true);
    }
}
