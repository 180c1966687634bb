using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Security;

/// <summary>
/// The cloud's ES256 signing keys, one active kid. Rotation adds a key and keeps the old ones trusted so manifests
/// already out in the fleet still verify. Kept in <see cref="IKeyRingStorage"/> (on cloud nodes the cluster's database,
/// shared by every control node); this node's copy is refreshed with <see cref="Reload"/> when another node changed it.
/// </summary>
public sealed class SigningKeyRing
{
    private readonly IKeyRingStorage _storage;
    private readonly TimeProvider _clock;
    // Swapped whole, so readers on other threads never see a ring mid-change.
    private volatile KeyRingState _state = KeyRingState.Empty;
    private volatile Derived? _derived;

    private SigningKeyRing(IKeyRingStorage storage, TimeProvider clock)
    {
        _storage = storage;
        _clock = clock;
    }

    /// <summary>
    /// How long a key may sign, from its creation: the end is part of the trust set the fleet CA certifies, and devices
    /// refuse what a key signs after it. The active key is replaced well before (<see cref="RotationDue"/>).
    /// </summary>
    public static readonly TimeSpan KeyValidity = TimeSpan.FromDays(400);

    /// <summary>A manifest lives 30 days and is renewed 7 days before it ends: a key retires this long before its end.</summary>
    public static readonly TimeSpan RetireBeforeEnd = TimeSpan.FromDays(45);

    /// <summary>The age at which the active key is replaced: <paramref name="rotateEvery"/>, and never later than its validity allows.</summary>
    public static TimeSpan RotationDue(TimeSpan? rotateEvery) =>
        rotateEvery is { } every && every < KeyValidity - RetireBeforeEnd ? every : KeyValidity - RetireBeforeEnd;

    public string ActiveKid => _state.ActiveKid;

    public IReadOnlyCollection<string> Kids => _state.Keys.Keys.ToList();

    /// <summary>Loads the ring in <paramref name="dir"/>, creating the folder and a first active key when there is none.</summary>
    public static SigningKeyRing OpenOrCreate(string dir, TimeProvider? clock = null) => Open(new FileKeyRingStorage(dir), clock);

    /// <summary>Loads the ring from <paramref name="storage"/>, storing a first active key when there is none.</summary>
    public static SigningKeyRing Open(IKeyRingStorage storage, TimeProvider? clock = null)
    {
        var ring = new SigningKeyRing(storage, clock ?? TimeProvider.System);
        var state = storage.Load();
        // Under the storage's lock: of several nodes starting on an empty database, one creates the first key.
        if (state.Keys.Count == 0) state = storage.Update(s => s.Keys.Count == 0 ? ring.WithNewKey(s) : s);
        ring._state = Checked(state, storage);
        return ring;
    }

    /// <summary>Re-reads the stored ring (another node may have rotated or revoked).</summary>
    public void Reload() => _state = Checked(_storage.Load(), _storage);

    /// <summary><see cref="Reload"/> for callers that carry on with the copy they hold when the store is unreachable: the error, or null.</summary>
    public string? TryReload()
    {
        try
        {
            Reload();
            return null;
        }
        catch (Exception e) when (e is FleetException or System.Data.Common.DbException or InvalidOperationException or TimeoutException or IOException)
        {
            return e.Message.Split('\n')[0];
        }
    }

    /// <summary>Creates a new key and makes it the active one; earlier keys stay trusted until revoked.</summary>
    public string Rotate()
    {
        var state = _storage.Update(WithNewKey);
        _state = state;
        return state.ActiveKid;
    }

    /// <summary>
    /// Rotates when the active key is at least <paramref name="age"/> old, decided under the storage's lock so that of
    /// several nodes on one schedule exactly one rotates; the new kid, or null when the key was young enough.
    /// </summary>
    public string? RotateIfOlderThan(TimeSpan age)
    {
        var before = _state.ActiveKid;
        var state = _storage.Update(s => _clock.GetUtcNow() - s.Keys[s.ActiveKid].CreatedAt >= age ? WithNewKey(s) : s);
        _state = state;
        return state.ActiveKid != before ? state.ActiveKid : null;
    }

    /// <summary>Marks a key revoked and wipes its private half; the active key must be rotated away first.</summary>
    public void Revoke(string kid) => _state = _storage.Update(s =>
    {
        if (!s.Keys.TryGetValue(kid, out var key)) throw new FleetException($"no signing key '{kid}' in the ring");
        if (kid == s.ActiveKid) throw new FleetException($"key '{kid}' is the active key; rotate before revoking it");
        return key.RevokedAt is not null ? s : WithRevoked(s, key);
    });

    /// <summary>
    /// Keys a later key replaced that are still trusted, each with the creation time of the key that followed it: a
    /// device whose confirmed trust version is at least that time holds the successor.
    /// </summary>
    public IReadOnlyList<(string Kid, DateTimeOffset SupersededAt)> Superseded()
    {
        var state = _state;
        var byAge = state.Keys.Values.OrderBy(k => k.CreatedAt).ToList();
        return byAge.Zip(byAge.Skip(1), (key, next) => (key, next))
            .Where(p => p.key.Kid != state.ActiveKid && p.key.RevokedAt is null)
            .Select(p => (p.key.Kid, p.next.CreatedAt)).ToList();
    }

    /// <summary>
    /// Takes a superseded key out of the trust set the way <see cref="Revoke"/> does (devices refuse what it signs,
    /// and re-fetch what it signed); true when this call changed the ring, false when it was already out or is active.
    /// </summary>
    public bool Retire(string kid)
    {
        var changed = false;
        _state = _storage.Update(s =>
        {
            changed = s.Keys.TryGetValue(kid, out var key) && kid != s.ActiveKid && key.RevokedAt is null;
            return changed ? WithRevoked(s, key!) : s;
        });
        return changed;
    }

    private KeyRingState WithRevoked(KeyRingState s, SigningKey key) =>
        s with { Keys = s.Keys.SetItem(key.Kid, key with { RevokedAt = NextChange(s), PrivateKey = null }) };

    /// <summary>A signer for the active key; dispose it after use.</summary>
    public EnvelopeSigner ActiveSigner() => SignerOf(_state);

    private static EnvelopeSigner SignerOf(KeyRingState state)
    {
        var key = state.Keys[state.ActiveKid];
        return EnvelopeSigner.FromPkcs8(key.Kid, key.PrivateKey!);
    }

    /// <summary>
    /// Signs with the active key, imported once per ring state: every device's kill sync is a signature, and importing
    /// the private key cost more than signing. One signature at a time per key (an ECDsa object is not thread-safe).
    /// </summary>
    public SignedEnvelope Sign(ReadOnlySpan<byte> payload)
    {
        var signer = Current().Signer;
        lock (signer) return signer.Sign(payload);
    }

    /// <summary>The public trust set devices should hold: every unrevoked key, plus the revoked kids.</summary>
    public TrustSet ExportTrustSet() => Current().Trust.Set;

    /// <summary>The trust set as JSON; a copy the caller owns.</summary>
    public byte[] ExportTrustSetJson() => Current().Trust.Json.ToArray();

    /// <summary>The trust set as JSON text, as a table or kill policy carries it.</summary>
    public string ExportTrustSetText() => Current().Trust.Text;

    /// <summary>
    /// The trust set with its version: the unix milliseconds of the ring's last change (a key added or revoked). Every
    /// change gets a later stamp than the one before, so a device can refuse an older set replayed to it.
    /// </summary>
    public (TrustSet Set, long Version) ExportTrust()
    {
        var current = Current();
        return (current.Trust.Set, current.State.Version);
    }

    /// <summary>What the ring's current state yields, made once per state and again only after a change (rotate, revoke,
    /// retire, reload).</summary>
    private Derived Current()
    {
        var state = _state;
        if (_derived is { } cached && ReferenceEquals(cached.State, state)) return cached;
        var fresh = new Derived(state);
        _derived = fresh;
        return fresh;
    }

    /// <summary>
    /// The trust set (building it checks every public key, an EC key import each, and every device registration,
    /// assignment table and kill policy carries it) and the active key's signer, each made on first use. The signer of
    /// a replaced state is left to the finalizer: another thread may still be signing with it.
    /// </summary>
    private sealed class Derived(KeyRingState state)
    {
        private readonly Lazy<(TrustSet Set, byte[] Json, string Text)> _trust = new(() =>
        {
            var set = TrustSetOf(state);
            var json = set.ToJsonBytes();
            return (set, json, Encoding.UTF8.GetString(json));
        });
        private readonly Lazy<EnvelopeSigner> _signer = new(() => SignerOf(state));

        public KeyRingState State => state;
        public (TrustSet Set, byte[] Json, string Text) Trust => _trust.Value;
        public EnvelopeSigner Signer => _signer.Value;
    }

    private static TrustSet TrustSetOf(KeyRingState state)
    {
        var set = TrustSet.Empty;
        foreach (var key in state.Keys.Values)
            set = key.RevokedAt is null ? set.WithKey(key.Kid, key.PublicKey, EndOf(key)) : set.WithRevoked(key.Kid);
        return set;
    }

    /// <summary>Whole seconds, so the set reads the same on every node however precisely its storage keeps the creation time.</summary>
    private static DateTimeOffset EndOf(SigningKey key) =>
        DateTimeOffset.FromUnixTimeSeconds(key.CreatedAt.ToUnixTimeSeconds()) + KeyValidity;

    private KeyRingState WithNewKey(KeyRingState s)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = ecdsa.ExportSubjectPublicKeyInfo();
        var now = NextChange(s);
        var kid = $"k{now:yyyyMMdd}-{Convert.ToHexStringLower(SHA256.HashData(spki))[..12]}";
        var key = new SigningKey(kid, SignedEnvelope.Es256, now, ecdsa.ExportPkcs8PrivateKey(), spki, null);
        return new KeyRingState(s.Keys.SetItem(kid, key), kid);
    }

    /// <summary>Now, or just after the last change when the clock has not moved on (or went back).</summary>
    private DateTimeOffset NextChange(KeyRingState s)
    {
        var now = _clock.GetUtcNow();
        var last = s.Version;
        return now.ToUnixTimeMilliseconds() > last ? now : DateTimeOffset.FromUnixTimeMilliseconds(last + 1);
    }

    private static KeyRingState Checked(KeyRingState state, IKeyRingStorage storage)
    {
        if (!state.Keys.TryGetValue(state.ActiveKid, out var active) || active.RevokedAt is not null || active.PrivateKey is null)
            throw new FleetException($"signing key ring {storage.Describe()}: active key '{state.ActiveKid}' is missing or revoked");
        return state;
    }
}
