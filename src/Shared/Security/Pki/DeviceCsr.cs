using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Fleet.Shared.Security.Pki;

/// <summary>
/// A device's certificate signing request for renewal: PKCS#10 over a fresh ECDSA P-256 key, self-signed by that key
/// (so whoever sends it holds the key), with the device id as its subject. The fleet CA takes only the public key from
/// it; the identity in the certificate comes from the stream that carried the request.
/// </summary>
public static class DeviceCsr
{
    /// <summary>Larger requests are not requests: a P-256 CSR in PEM is about 500 bytes.</summary>
    public const int MaxPemLength = 8 * 1024;
    private const string CommonNameOid = "2.5.4.3";

    public static string Create(string deviceId, ECDsa key) =>
        new CertificateRequest(new X500DistinguishedName($"CN={deviceId}"), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

    /// <summary>
    /// The request's public key when it is a well-formed, self-signed P-256 request whose subject is
    /// <paramref name="deviceId"/>; otherwise a one-line refusal.
    /// </summary>
    public static (PublicKey? Key, string? Refusal) Read(string pem, string deviceId)
    {
        if (string.IsNullOrWhiteSpace(pem)) return (null, "the certificate request is empty");
        if (pem.Length > MaxPemLength) return (null, $"the certificate request is larger than {MaxPemLength} bytes");
        CertificateRequest csr;
        try { csr = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256); }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return (null, $"the certificate request is invalid or not signed by its own key: {e.Message.Split('\n')[0].Trim()}");
        }
        var named = csr.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(n => !n.HasMultipleElements && n.GetSingleElementType().Value == CommonNameOid).Select(n => n.GetSingleElementValue()).FirstOrDefault();
        if (named != deviceId) return (null, $"a certificate request naming device '{named}' arrived on the stream of device '{deviceId}'");
        using var ec = csr.PublicKey.GetECDsaPublicKey();
        if (ec is null || ec.KeySize != 256) return (null, "the certificate request's key is not ECDSA P-256");
        return (csr.PublicKey, null);
    }
}
