using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Audit;

/// <summary>
/// A device's audit chain head (entry count and head hash) signed with its certificate's key, as it uploads it. The
/// cloud keeps these so that a copy of the device's log taken later can be checked: a log whose entry at a signed
/// count hashes differently was rewritten. <see cref="Certificate"/> (DER) names the key; it must chain to the fleet CA
/// and be the device's own.
/// </summary>
public sealed record SignedAuditHead(long Seq, string Hash, DateTimeOffset At, byte[] Signature, byte[] Certificate) : IFleetProtocol
{
    public static SignedAuditHead Sign(X509Certificate2 certificate, string deviceId, AuditHead head)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the device certificate has no private key");
        var at = DateTimeOffset.FromUnixTimeMilliseconds(head.At.ToUnixTimeMilliseconds());
        return new SignedAuditHead(head.Seq, head.Hash, at, key.SignData(Payload(deviceId, head.Seq, head.Hash, at), HashAlgorithmName.SHA256), certificate.RawData);
    }

    /// <summary>
    /// Null when the head is signed by a certificate of <paramref name="deviceId"/> that <paramref name="trust"/> accepts
    /// (null trust: an --insecure-dev cloud, which checks the signature only), else why not, in one line.
    /// </summary>
    public string? Check(string deviceId, FleetTrust? trust)
    {
        if (Seq < 1 || Hash is not { Length: 64 } || !Hash.All(char.IsAsciiHexDigitLower)) return "not an audit head (seq must be at least 1, hash 64 lowercase hex digits)";
        X509Certificate2 cert;
        try { cert = X509CertificateLoader.LoadCertificate(Certificate); }
        catch (CryptographicException) { return "the audit head carries an unreadable certificate"; }
        using (cert)
        {
            if (trust?.Check(cert) is { } untrusted) return untrusted;
            var certified = FleetCertificates.DeviceIdOf(cert);
            if (certified != deviceId) return $"the audit head's certificate is for {(certified is null ? "no device" : $"device {certified}")}, not {deviceId}";
            return VerifyWith(cert.PublicKey.ExportSubjectPublicKeyInfo(), deviceId) ? null : "audit head signature does not match the certificate";
        }
    }

    /// <summary>Checks the signature with a kept public key (SubjectPublicKeyInfo, DER).</summary>
    public bool VerifyWith(byte[] publicKey, string deviceId) => VerifyWith(publicKey, deviceId, Seq, Hash, At, Signature);

    public static bool VerifyWith(byte[] publicKey, string deviceId, long seq, string hash, DateTimeOffset at, byte[] signature)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKey, out _);
            return key.VerifyData(Payload(deviceId, seq, hash, at), signature, HashAlgorithmName.SHA256);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static byte[] Payload(string deviceId, long seq, string hash, DateTimeOffset at) =>
        Encoding.UTF8.GetBytes($"fleet-audit-head\n{deviceId}\n{seq}\n{hash}\n{at.ToUnixTimeMilliseconds()}");
}
