using System.Security.Cryptography;
using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Security;

/// <summary>
/// The cloud's ES256 signing keys in a folder: one mode-600 JSON file per key (PKCS#8), one active kid.
/// Rotation adds a key and keeps the old ones trusted so manifests already out in the fleet still verify.
/// </summary>
public sealed class SigningKeyRing
{
    private const string RingFile = "ring.json";
    private const string KeySuffix = ".key.json";

    private readonly string _dir;
    private readonly TimeProvider _clock;
    private readonly object _gate = new();
    private readonly Dictionary<string, StoredKey> _keys = new(StringComparer.Ordinal);

    private SigningKeyRing(string dir, TimeProvider clock)
    {
        _dir = dir;
        _clock = clock;
    }

    public string ActiveKid { get; private set; } = "";

    public IReadOnlyCollection<string> Kids { get { lock (_gate) return _keys.Keys.Order(StringComparer.Ordinal).ToList(); } }

    /// <summary>Loads the ring in <paramref name="dir"/>, creating the folder and a first active key when there is none.</summary>
    public static SigningKeyRing OpenOrCreate(string dir, TimeProvider? clock = null)
    {
        var ring = new SigningKeyRing(dir, clock ?? TimeProvider.System);
        PrivateFiles.EnsureDirectory(dir);
        foreach (var file in Directory.EnumerateFiles(dir, "*" + KeySuffix))
        {
            var key = Read<StoredKey>(file);
            if (!KeyIds.IsValid(key.Kid) || Path.GetFileName(file) != key.Kid + KeySuffix)
                throw new FleetException($"signing key file {file} does not match its kid '{key.Kid}'");
            ring._keys[key.Kid] = key;
        }
        var ringPath = Path.Combine(dir, RingFile);
        if (File.Exists(ringPath)) ring.ActiveKid = Read<RingState>(ringPath).ActiveKid;
        if (ring._keys.Count == 0) ring.Rotate();
        else if (!ring._keys.TryGetValue(ring.ActiveKid, out var active) || active.RevokedAt is not null)
            throw new FleetException($"signing key ring {dir}: active key '{ring.ActiveKid}' is missing or revoked");
        return ring;
    }

    /// <summary>Creates a new key and makes it the active one; earlier keys stay trusted until revoked.</summary>
    public string Rotate()
    {
        lock (_gate)
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var spki = ecdsa.ExportSubjectPublicKeyInfo();
            var now = NextChange();
            var kid = $"k{now:yyyyMMdd}-{Convert.ToHexStringLower(SHA256.HashData(spki))[..12]}";
            var key = new StoredKey(kid, SignedEnvelope.Es256, now, Convert.ToBase64String(ecdsa.ExportPkcs8PrivateKey()),
                Convert.ToBase64String(spki), null);
            Write(key.Kid + KeySuffix, key);
            _keys[kid] = key;
            Write(RingFile, new RingState(kid));
            ActiveKid = kid;
            return kid;
        }
    }

    /// <summary>Marks a key revoked and wipes its private half; the active key must be rotated away first.</summary>
    public void Revoke(string kid)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(kid, out var key)) throw new FleetException($"no signing key '{kid}' in the ring");
            if (kid == ActiveKid) throw new FleetException($"key '{kid}' is the active key; rotate before revoking it");
            if (key.RevokedAt is not null) return;
            var revoked = key with { RevokedAt = NextChange(), PrivateKey = null };
            Write(kid + KeySuffix, revoked);
            _keys[kid] = revoked;
        }
    }

    /// <summary>A signer for the active key; dispose it after use.</summary>
    public EnvelopeSigner ActiveSigner()
    {
        lock (_gate)
        {
            var key = _keys[ActiveKid];
            return EnvelopeSigner.FromPkcs8(key.Kid, Convert.FromBase64String(key.PrivateKey!));
        }
    }

    public SignedEnvelope Sign(ReadOnlySpan<byte> payload)
    {
        using var signer = ActiveSigner();
        return signer.Sign(payload);
    }

    /// <summary>The public trust set devices should hold: every unrevoked key, plus the revoked kids.</summary>
    public TrustSet ExportTrustSet()
    {
        lock (_gate)
        {
            var set = TrustSet.Empty;
            foreach (var key in _keys.Values.OrderBy(k => k.Kid, StringComparer.Ordinal))
                set = key.RevokedAt is null ? set.WithKey(key.Kid, Convert.FromBase64String(key.PublicKey)) : set.WithRevoked(key.Kid);
            return set;
        }
    }

    public byte[] ExportTrustSetJson() => ExportTrustSet().ToJsonBytes();

    /// <summary>
    /// The trust set with its version: the unix milliseconds of the ring's last change (a key added or revoked). Every
    /// change gets a later stamp than the one before, so a device can refuse an older set replayed to it.
    /// </summary>
    public (TrustSet Set, long Version) ExportTrust()
    {
        lock (_gate) return (ExportTrustSet(), TrustVersionLocked());
    }

    private long TrustVersionLocked() => _keys.Values.Count == 0 ? 0
        : _keys.Values.Max(k => Math.Max(k.CreatedAt.ToUnixTimeMilliseconds(), k.RevokedAt?.ToUnixTimeMilliseconds() ?? 0));

    /// <summary>Now, or just after the last change when the clock has not moved on (or went back).</summary>
    private DateTimeOffset NextChange()
    {
        var now = _clock.GetUtcNow();
        var last = TrustVersionLocked();
        return now.ToUnixTimeMilliseconds() > last ? now : DateTimeOffset.FromUnixTimeMilliseconds(last + 1);
    }

    private void Write<T>(string name, T value) =>
        PrivateFiles.WriteAllBytes(Path.Combine(_dir, name), JsonSerializer.SerializeToUtf8Bytes(value, FleetJson.Indented));

    private static T Read<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), FleetJson.Options)
                   ?? throw new FleetException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new FleetException($"{path} is not a valid key ring file: {e.Message}");
        }
    }

    private sealed record StoredKey(string Kid, string Alg, DateTimeOffset CreatedAt, string? PrivateKey, string PublicKey, DateTimeOffset? RevokedAt);

    private sealed record RingState(string ActiveKid);
}
