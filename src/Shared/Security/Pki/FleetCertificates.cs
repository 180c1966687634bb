using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;

namespace Fleet.Shared.Security.Pki;

/// <summary>
/// Who a fleet certificate names (<c>fleet:device:ID</c> or <c>fleet:node:NAME</c> in its SAN), the cluster roles a node
/// certificate grants (<c>fleet:role:ROLE</c>), and PEM in and out.
/// </summary>
public static class FleetCertificates
{
    public const string DeviceUriPrefix = "fleet:device:";
    public const string NodeUriPrefix = "fleet:node:";
    public const string RoleUriPrefix = "fleet:role:";

    public static string DeviceUri(string deviceId) => DeviceUriPrefix + deviceId;
    public static string NodeUri(string name) => NodeUriPrefix + Uri.EscapeDataString(name);
    public static string RoleUri(string role) => RoleUriPrefix + Uri.EscapeDataString(role);

    /// <summary>The node name a node certificate was issued for (<c>HOST:PORT</c> for self-issued ones), or null.</summary>
    public static string? NodeNameOf(X509Certificate2 cert) => UriNames(cert)
        .FirstOrDefault(u => u.StartsWith(NodeUriPrefix, StringComparison.Ordinal)) is { } u ? Uri.UnescapeDataString(u[NodeUriPrefix.Length..]) : null;

    /// <summary>The cluster roles a node certificate grants; empty for device certificates and for node certificates without roles.</summary>
    public static IReadOnlySet<string> RolesOf(X509Certificate2 cert) => UriNames(cert)
        .Where(u => u.StartsWith(RoleUriPrefix, StringComparison.Ordinal))
        .Select(u => Uri.UnescapeDataString(u[RoleUriPrefix.Length..]))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The DNS and IP names in the SAN (what HTTPS clients check, and what a member's address may be).</summary>
    public static IReadOnlyList<string> HostNamesOf(X509Certificate2 cert)
    {
        var names = new List<string>();
        foreach (var san in cert.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.AddRange(san.EnumerateDnsNames());
            names.AddRange(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }
        return names;
    }

    /// <summary>The device id a certificate was issued for, or null for a node certificate or a foreign one.</summary>
    public static string? DeviceIdOf(X509Certificate2 cert) => UriNames(cert)
        .FirstOrDefault(u => u.StartsWith(DeviceUriPrefix, StringComparison.Ordinal))?[DeviceUriPrefix.Length..];

    /// <summary>
    /// The device a certificate identifies, where a caller acts as that device (the gateway's streams): null for a node
    /// certificate, a foreign one, or one whose device name is no device id.
    /// </summary>
    public static Devices.DeviceId? DeviceOf(X509Certificate2 cert) =>
        Devices.DeviceId.TryParse(DeviceIdOf(cert), out var id) ? id : null;

    public static bool IsNode(X509Certificate2 cert) => UriNames(cert).Any(u => u.StartsWith(NodeUriPrefix, StringComparison.Ordinal));

    /// <summary>Short human name for logs: <c>device kiosk-1</c>, <c>node NAME</c>, or the subject.</summary>
    public static string Describe(X509Certificate2 cert) =>
        DeviceIdOf(cert) is { } d ? $"device {d}" : IsNode(cert) ? $"node {cert.GetNameInfo(X509NameType.SimpleName, false)}" : $"'{cert.Subject}'";

    public static string Fingerprint(X509Certificate2 cert) => Convert.ToHexStringLower(SHA256.HashData(cert.RawData));

    private static IEnumerable<string> UriNames(X509Certificate2 cert)
    {
        foreach (var ext in cert.Extensions)
        {
            if (ext is not X509SubjectAlternativeNameExtension) continue;
            // The .NET SAN reader exposes DNS and IP names only; URIs are read from the raw encoding.
            var reader = new System.Formats.Asn1.AsnReader(ext.RawData, System.Formats.Asn1.AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            var uriTag = new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6);
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(uriTag)) yield return names.ReadCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, uriTag);
                else names.ReadEncodedValue();
            }
        }
    }

    /// <summary>Pairs a certificate with its key in a form SslStream can use on every platform (a PKCS#12 round trip).</summary>
    public static X509Certificate2 WithKey(X509Certificate2 cert, ECDsa key)
    {
        using var paired = cert.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(paired.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    public static X509Certificate2 FromPem(string certPem, string keyPem)
    {
        using var cert = X509Certificate2.CreateFromPem(certPem);
        using var key = ECDsa.Create();
        key.ImportFromPem(keyPem);
        return WithKey(cert, key);
    }

    public static string KeyPem(X509Certificate2 cert) =>
        (cert.GetECDsaPrivateKey() ?? throw new FleetException("certificate has no private key")).ExportPkcs8PrivateKeyPem();

    /// <summary>Loads <c>CERT</c> + <c>KEY</c> PEM files (the key must be mode 600 files written by Fleet).</summary>
    public static X509Certificate2 LoadPair(string certPath, string keyPath)
    {
        try
        {
            return FromPem(File.ReadAllText(certPath), File.ReadAllText(keyPath));
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new FleetException($"cannot read the certificate {certPath} with key {keyPath}: {e.Message}");
        }
    }

    public static void SavePair(X509Certificate2 cert, string certPath, string keyPath)
    {
        PrivateFile.WriteNew(keyPath, KeyPem(cert));
        File.WriteAllText(certPath, cert.ExportCertificatePem());
    }
}
