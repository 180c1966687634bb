using System.Buffers.Text;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Security;

/// <summary>
/// Compact HMAC-SHA256 tokens for short-lived asset URLs and render job tokens: <c>kid.payload.signature</c> (base64url),
/// the payload holding the claims and an expiry. Several keys may validate; the newest one issues.
/// </summary>
public sealed class TokenSigner
{
    private const string KeySuffix = ".token-key.json";
    private readonly object _rotateGate = new();
    // Swapped whole on rotation so validation on other threads never sees a dictionary mid-change.
    private volatile ImmutableDictionary<string, byte[]> _keys;
    private readonly string? _dir;

    public TokenSigner(string kid, byte[] key) : this(new Dictionary<string, byte[]> { [kid] = key }, kid, null) { }

    private TokenSigner(Dictionary<string, byte[]> keys, string activeKid, string? dir)
    {
        foreach (var (kid, key) in keys)
        {
            KeyIds.Validate(kid);
            if (key.Length < 32) throw new ArgumentException($"token key '{kid}' is shorter than 256 bits");
        }
        _keys = keys.ToImmutableDictionary(StringComparer.Ordinal);
        ActiveKid = activeKid;
        _dir = dir;
    }

    public string ActiveKid { get => Volatile.Read(ref _activeKid); private set => Volatile.Write(ref _activeKid, value); }

    private string _activeKid = "";

    /// <summary>Loads every key in <paramref name="dir"/> (mode 600 files), creating the folder and a first key if empty.</summary>
    public static TokenSigner OpenOrCreate(string dir)
    {
        PrivateFiles.EnsureDirectory(dir);
        var stored = Directory.EnumerateFiles(dir, "*" + KeySuffix).Select(ReadKey).OrderBy(k => k.CreatedAt).ToList();
        var signer = new TokenSigner(stored.ToDictionary(k => k.Kid, k => Convert.FromBase64String(k.Key)), stored.LastOrDefault()?.Kid ?? "", dir);
        if (stored.Count == 0) signer.Rotate();
        return signer;
    }

    /// <summary>The newest key in a folder made by <see cref="OpenOrCreate"/> (for moving it elsewhere), or null when there is none.</summary>
    public static (string Kid, byte[] Key)? NewestKeyIn(string dir) =>
        Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*" + KeySuffix).Select(ReadKey).MaxBy(k => k.CreatedAt) is { } k
            ? (k.Kid, Convert.FromBase64String(k.Key)) : null;

    /// <summary>Adds a fresh random key that issues from now on; tokens from older keys keep validating until they expire.</summary>
    public string Rotate()
    {
        lock (_rotateGate) return RotateLocked();
    }

    private string RotateLocked()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var kid = "t" + DateTimeOffset.UtcNow.ToString("yyyyMMdd") + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        if (_dir is not null)
        {
            var stored = new StoredKey(kid, Convert.ToBase64String(key), DateTimeOffset.UtcNow);
            PrivateFiles.WriteAllBytes(Path.Combine(_dir, kid + KeySuffix), JsonSerializer.SerializeToUtf8Bytes(stored, FleetJson.Indented));
        }
        _keys = _keys.SetItem(kid, key);
        ActiveKid = kid;
        return kid;
    }

    public string Issue(IReadOnlyDictionary<string, string> claims, DateTimeOffset expiresAt)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Payload(expiresAt.ToUnixTimeSeconds(), claims), FleetJson.Options);
        var kid = ActiveKid;
        var signed = kid + "." + Base64Url.EncodeToString(payload);
        return signed + "." + Base64Url.EncodeToString(Mac(_keys[kid], signed));
    }

    public TokenValidation Validate(string? token, DateTimeOffset now)
    {
        var parts = (token ?? "").Split('.');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0)) return TokenValidation.Reject(RejectionReason.Malformed, "token is not kid.payload.signature");
        if (!_keys.TryGetValue(parts[0], out var key)) return TokenValidation.Reject(RejectionReason.BadSignature, "token was not issued with a known key");
        byte[] signature, payloadBytes;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
            payloadBytes = Base64Url.DecodeFromChars(parts[1]);
        }
        catch (FormatException)
        {
            return TokenValidation.Reject(RejectionReason.Malformed, "token is not base64url");
        }
        // Decoders ignore stray trailing bits; insisting on the canonical text makes every altered character count.
        if (Base64Url.EncodeToString(signature) != parts[2] || Base64Url.EncodeToString(payloadBytes) != parts[1])
            return TokenValidation.Reject(RejectionReason.Malformed, "token is not canonical base64url");
        // Compare the MAC before looking at the payload, in constant time, so forgeries learn nothing.
        var expected = Mac(key, parts[0] + "." + parts[1]);
        if (!CryptographicOperations.FixedTimeEquals(expected, signature)) return TokenValidation.Reject(RejectionReason.BadSignature, "token signature does not match");
        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(payloadBytes, FleetJson.Options);
        }
        catch (JsonException)
        {
            payload = null;
        }
        if (payload?.Claims is null) return TokenValidation.Reject(RejectionReason.Malformed, "token payload is not readable");
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(payload.Exp);
        if (now >= expiresAt) return TokenValidation.Reject(RejectionReason.Expired, $"token expired at {expiresAt:O}");
        return new TokenValidation(payload.Claims, expiresAt, null, "");
    }

    private static byte[] Mac(byte[] key, string signedPart) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signedPart));

    private static StoredKey ReadKey(string file)
    {
        try
        {
            var key = JsonSerializer.Deserialize<StoredKey>(File.ReadAllBytes(file), FleetJson.Options);
            if (key is null || !KeyIds.IsValid(key.Kid)) throw new FleetException($"{file}: not a token key");
            return key;
        }
        catch (JsonException e)
        {
            throw new FleetException($"{file}: not a token key: {e.Message}");
        }
    }

    private sealed record Payload(long Exp, IReadOnlyDictionary<string, string> Claims);

    private sealed record StoredKey(string Kid, string Key, DateTimeOffset CreatedAt);
}

/// <summary>The claims and expiry of a valid token, or why it was refused (malformed, bad-signature, expired).</summary>
public sealed record TokenValidation(IReadOnlyDictionary<string, string>? Claims, DateTimeOffset? ExpiresAt, RejectionReason? Reason, string Message)
{
    public bool IsValid => Reason is null;

    internal static TokenValidation Reject(RejectionReason reason, string message) => new(null, null, reason, message);
}
