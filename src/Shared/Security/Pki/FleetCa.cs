using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;

namespace Fleet.Shared.Security.Pki;

/// <summary>
/// The fleet's certificate authority (ECDSA P-256): <c>ca.crt</c> and <c>ca.key</c> (mode 600) in one folder. It issues the
/// node certificates of cloud nodes and the device certificates handed out at enrolment.
/// </summary>
public sealed class FleetCa : IDisposable
{
    public const string CertFile = "ca.crt";
    public const string KeyFile = "ca.key";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(3650);

    private readonly ECDsa _key;

    private FleetCa(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        _key = key;
    }

    /// <summary>The CA certificate without its key: what every node trusts.</summary>
    public X509Certificate2 Certificate { get; }

    public string Fingerprint => FleetCertificates.Fingerprint(Certificate);

    /// <summary>Creates a new CA; refuses to overwrite an existing key (that would orphan every issued certificate).</summary>
    public static FleetCa Create(string keyPath, string name = "Fleet CA")
    {
        var certPath = CertPathFor(keyPath);
        if (File.Exists(keyPath) || File.Exists(certPath))
            throw new FleetException($"a fleet CA already exists at {Path.GetDirectoryName(Path.GetFullPath(keyPath))}; remove it first to start over");
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name} {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}, O=Fleet", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Lifetime));
        PrivateFile.WriteNew(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        return new FleetCa(X509CertificateLoader.LoadCertificate(cert.RawData), key);
    }

    public static FleetCa Load(string keyPath)
    {
        var certPath = CertPathFor(keyPath);
        if (!File.Exists(keyPath)) throw new FleetException($"no fleet CA key at {keyPath} (run 'fleet-cloud ca init' or pass --ca-key PATH)");
        if (!File.Exists(certPath)) throw new FleetException($"no fleet CA certificate at {certPath} (it belongs beside the key)");
        try
        {
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(keyPath));
            var cert = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
            using var pub = cert.GetECDsaPublicKey();
            if (pub is null || !pub.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
                throw new FleetException($"{keyPath} is not the key of {certPath}");
            return new FleetCa(cert, key);
        }
        catch (CryptographicException e)
        {
            throw new FleetException($"cannot read the fleet CA at {keyPath}: {e.Message}");
        }
    }

    public static string CertPathFor(string keyPath) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(keyPath))!, CertFile);

    /// <summary>
    /// A certificate for a cloud node (remoting and HTTPS): <c>fleet:node:NAME</c>, one <c>fleet:role:ROLE</c> per cluster
    /// role the node may claim, plus DNS/IP names for HTTPS and for the member addresses it may attest.
    /// </summary>
    public X509Certificate2 IssueNode(string name, IEnumerable<string> roles, IEnumerable<string> hostNames, TimeSpan lifetime)
    {
        var granted = roles.Distinct(StringComparer.Ordinal).ToList();
        if (granted.Count == 0) throw new FleetException($"node certificate {name}: name at least one role");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var uris = granted.Select(FleetCertificates.RoleUri).Prepend(FleetCertificates.NodeUri(name));
        var cert = Sign(new CertificateRequest($"CN={name}, OU=node, O=Fleet", key, HashAlgorithmName.SHA256), uris, hostNames, DateTimeOffset.UtcNow, lifetime);
        return FleetCertificates.WithKey(cert, key);
    }

    /// <summary>A device certificate for <paramref name="deviceId"/> over the device's own public key (from its CSR).</summary>
    public X509Certificate2 IssueDevice(string deviceId, PublicKey devicePublicKey, TimeSpan lifetime, DateTimeOffset? notBefore = null)
    {
        Named(deviceId);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={deviceId}, OU=device, O=Fleet"), devicePublicKey, HashAlgorithmName.SHA256);
        return Sign(request, new[] { FleetCertificates.DeviceUri(deviceId) }, Array.Empty<string>(), notBefore ?? DateTimeOffset.UtcNow, lifetime);
    }

    /// <summary>A device certificate and a fresh key (bundles made by the operator).</summary>
    public X509Certificate2 IssueDeviceWithKey(string deviceId, TimeSpan lifetime, DateTimeOffset? notBefore = null)
    {
        Named(deviceId);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cert = Sign(new CertificateRequest($"CN={deviceId}, OU=device, O=Fleet", key, HashAlgorithmName.SHA256),
            new[] { FleetCertificates.DeviceUri(deviceId) }, Array.Empty<string>(), notBefore ?? DateTimeOffset.UtcNow, lifetime);
        return FleetCertificates.WithKey(cert, key);
    }

    /// <summary>
    /// The id goes into a distinguished name and a URI, so only a device id (FormatException otherwise): a comma or an
    /// equals sign could add a name part, and the gateway would not take the certificate for a device.
    /// </summary>
    private static void Named(string deviceId) => Devices.DeviceId.Parse(deviceId);

    /// <summary>Secret material derived from the CA key: every node holding the CA derives the same value, nobody else can.</summary>
    public byte[] DeriveSecret(string purpose) =>
        HMACSHA256.HashData(SHA256.HashData(_key.ExportECPrivateKey()), System.Text.Encoding.UTF8.GetBytes("fleet:" + purpose));

    /// <summary>An ECDSA P-256/SHA-256 signature over <paramref name="data"/>; only for documents that name their purpose (<see cref="TrustUpdates"/>).</summary>
    internal byte[] SignDocument(ReadOnlySpan<byte> data) => _key.SignData(data, HashAlgorithmName.SHA256);

    private X509Certificate2 Sign(CertificateRequest request, IEnumerable<string> uris, IEnumerable<string> hostNames, DateTimeOffset notBefore, TimeSpan lifetime)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2") }, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var uri in uris) san.AddUri(new Uri(uri));
        foreach (var host in hostNames.Distinct())
        {
            if (System.Net.IPAddress.TryParse(host, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(host);
        }
        request.CertificateExtensions.Add(san.Build());
        var notAfter = notBefore.Add(lifetime);
        var caNotAfter = Certificate.NotAfter.ToUniversalTime();
        if (notAfter > caNotAfter) notAfter = caNotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), notBefore - SkewAllowance(lifetime), notAfter, serial);
    }

    /// <summary>
    /// How far a certificate is back-dated so a peer whose clock runs a little behind accepts it at once: five minutes,
    /// or a tenth of a short (test) lifetime, so the device's "fraction of lifetime left" still means what it says.
    /// </summary>
    public static TimeSpan SkewAllowance(TimeSpan lifetime) => TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, lifetime.Ticks / 10));

    public void Dispose() => _key.Dispose();
}
