using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Security.Pki;

namespace Fleet.Shared.Tests.Security.Pki;

public sealed class DeviceCsrTests
{
    [Fact]
    public void A_request_for_the_streams_own_device_yields_the_key_it_was_signed_with()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (publicKey, refusal) = DeviceCsr.Read(DeviceCsr.Create("kiosk-1", key), "kiosk-1");
        Assert.Null(refusal);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), publicKey!.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void Requests_for_another_device_unsigned_garbage_or_with_another_kind_of_key_are_refused_with_a_reason()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal("a certificate request naming device 'kiosk-2' arrived on the stream of device 'kiosk-1'",
            DeviceCsr.Read(DeviceCsr.Create("kiosk-2", key), "kiosk-1").Refusal);
        Assert.Equal("the certificate request is empty", DeviceCsr.Read("", "kiosk-1").Refusal);
        Assert.StartsWith("the certificate request is invalid", DeviceCsr.Read("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", "kiosk-1").Refusal);

        // A request whose signature is not by its own key proves nothing about who holds the key.
        var der = new CertificateRequest("CN=kiosk-1", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        der[^3] ^= 0x01;
        Assert.StartsWith("the certificate request is invalid", DeviceCsr.Read(PemEncoding.WriteString("CERTIFICATE REQUEST", der), "kiosk-1").Refusal);

        using var rsa = RSA.Create(2048);
        var rsaPem = new CertificateRequest("CN=kiosk-1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
        Assert.Equal("the certificate request's key is not ECDSA P-256", DeviceCsr.Read(rsaPem, "kiosk-1").Refusal);
    }
}
