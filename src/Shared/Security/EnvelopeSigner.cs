using System.Security.Cryptography;

namespace Fleet.Shared.Security;

/// <summary>Signs payload bytes with one ECDSA P-256 private key (ES256, IEEE P1363 signature) under its key id.</summary>
public sealed class EnvelopeSigner : IDisposable
{
    private readonly ECDsa _key;

    public EnvelopeSigner(string kid, ECDsa key)
    {
        KeyIds.Validate(kid);
        if (key.KeySize != 256) throw new ArgumentException("ES256 needs a P-256 key", nameof(key));
        Kid = kid;
        _key = key;
    }

    public string Kid { get; }

    /// <summary>Creates a signer around a PKCS#8 private key.</summary>
    public static EnvelopeSigner FromPkcs8(string kid, ReadOnlySpan<byte> pkcs8)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return new EnvelopeSigner(kid, key);
    }

    /// <summary>SubjectPublicKeyInfo of this key, as a trust set holds it.</summary>
    public byte[] PublicKeySpki() => _key.ExportSubjectPublicKeyInfo();

    public SignedEnvelope Sign(ReadOnlySpan<byte> payload)
    {
        var signature = _key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new SignedEnvelope(Kid, SignedEnvelope.Es256, Convert.ToBase64String(payload), Convert.ToBase64String(signature));
    }

    public void Dispose() => _key.Dispose();
}

/// <summary>Key ids end up in file names and headers, so they are restricted to a safe alphabet.</summary>
internal static class KeyIds
{
    public static bool IsValid(string? kid) =>
        !string.IsNullOrEmpty(kid) && kid.Length <= 64 && kid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static void Validate(string kid)
    {
        if (!IsValid(kid)) throw new ArgumentException($"invalid key id '{kid}' (letters, digits, '-' and '_', at most 64)", nameof(kid));
    }
}
