using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Security;

/// <summary>
/// Seals control-plane secrets (private signing keys, token keys) for storage in the shared database: AES-256-GCM under
/// a key derived with HKDF-SHA256 from the deployment's key secret. Each sealed value is bound to a label (which row it
/// belongs to) as associated data, so a sealed key copied into another row does not open either.
/// </summary>
public sealed class SecretSealer
{
    /// <summary>Shorter deployment secrets are refused: they could be guessed offline from a database copy.</summary>
    public const int MinimumSecretBytes = 16;
    private const string Version = "v1.";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] Salt = "fleet/control-plane-secrets"u8.ToArray();
    private static readonly byte[] Info = "aes-256-gcm seal v1"u8.ToArray();

    private readonly byte[] _key;

    public SecretSealer(ReadOnlySpan<byte> deploymentSecret)
    {
        if (deploymentSecret.Length < MinimumSecretBytes)
            throw new FleetException($"the key secret is shorter than {MinimumSecretBytes} bytes: make one with 'openssl rand -base64 32'");
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, deploymentSecret.ToArray(), 32, Salt, Info);
    }

    /// <summary><c>v1.</c> + base64(nonce ‖ ciphertext ‖ tag).</summary>
    public string Seal(ReadOnlySpan<byte> plain, string label)
    {
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(_key, TagBytes);
        gcm.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), Encoding.UTF8.GetBytes(label));
        return Version + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The plain bytes, or null when the value was sealed under another secret or label, or was altered.</summary>
    public byte[]? TryUnseal(string sealedText, string label)
    {
        if (!sealedText.StartsWith(Version, StringComparison.Ordinal)) return null;
        byte[] raw;
        try { raw = Convert.FromBase64String(sealedText[Version.Length..]); }
        catch (FormatException) { return null; }
        if (raw.Length < NonceBytes + TagBytes) return null;
        var plainLength = raw.Length - NonceBytes - TagBytes;
        var plain = new byte[plainLength];
        try
        {
            using var gcm = new AesGcm(_key, TagBytes);
            gcm.Decrypt(raw.AsSpan(0, NonceBytes), raw.AsSpan(NonceBytes, plainLength), raw.AsSpan(NonceBytes + plainLength), plain, Encoding.UTF8.GetBytes(label));
            return plain;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
