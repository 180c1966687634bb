using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Fleet.Shared.Devices;

namespace Fleet.Shared.Security.Pki;

/// <summary>
/// Binds a registration to a device certificate: the device signs what it registers with its certificate's key; the
/// registry accepts it only if the certificate is trusted and names the same device id. A certificate for device A can
/// therefore never register (or heartbeat its way in) as device B.
/// </summary>
public static class RegistrationProof
{
    /// <summary>How far a proof's timestamp may be from the registry's clock (replays of old proofs are refused).</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    public static DeviceProof Sign(X509Certificate2 certificate, DeviceFacts facts, string address, DateTimeOffset now)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the device certificate has no private key");
        return new DeviceProof(certificate.RawData, now, key.SignData(Payload(facts, address, now), HashAlgorithmName.SHA256));
    }

    /// <summary>Null when <paramref name="cmd"/> is proven by a trusted certificate for its own device id, else why not.</summary>
    public static string? Check(FleetTrust trust, DeviceCommands.Register cmd, DateTimeOffset now)
    {
        if (cmd.Proof is not { } proof) return "no certificate proof in the registration (is the device running with --insecure-dev?)";
        X509Certificate2 cert;
        try { cert = X509CertificateLoader.LoadCertificate(proof.Certificate); }
        catch (CryptographicException) { return "the registration carries an unreadable certificate"; }
        using (cert)
        {
            if (trust.Check(cert) is { } untrusted) return untrusted;
            var certified = FleetCertificates.DeviceIdOf(cert);
            if (certified != cmd.DeviceId) return $"certificate is for {(certified is null ? "no device" : $"device {certified}")}, not {cmd.DeviceId}";
            if ((now - proof.SignedAt).Duration() > MaxSkew) return $"registration proof signed at {proof.SignedAt:u} is too old or in the future";
            using var key = cert.GetECDsaPublicKey();
            if (key is null || !key.VerifyData(Payload(cmd.Facts, cmd.Address, proof.SignedAt), proof.Signature, HashAlgorithmName.SHA256))
                return "registration signature does not match the certificate";
            return null;
        }
    }

    private static byte[] Payload(DeviceFacts facts, string address, DateTimeOffset signedAt) =>
        Encoding.UTF8.GetBytes($"fleet-register\n{facts.DeviceId}\n{facts.InstallationId}\n{address}\n{signedAt.ToUnixTimeMilliseconds()}");
}
