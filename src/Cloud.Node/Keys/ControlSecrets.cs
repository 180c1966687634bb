using System.Security.Cryptography;
using System.Text.Json;
using Fleet.Cloud.Campaigns;
using Fleet.Shared.Persistence;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Keys;

/// <summary>
/// A control node's secrets, all from the cluster's database so every control node signs and verifies the same: the
/// signing key ring, the URL-signing key and the job-token key (used when there is no fleet CA to derive it from). At
/// the first start on a data folder from before the database held them, the folder's keys are imported once.
/// </summary>
public sealed class ControlSecrets
{
    /// <summary>A value sealed at the database's first use: a secret that cannot open it is not this fleet's.</summary>
    private const string SealCheckName = "seal-check";
    private const string UrlKeyName = "url-signing.key";
    private const string JobKeyName = "job-token.key";

    private readonly ControlStore _store;
    private readonly SecretSealer _sealer;

    private ControlSecrets(ControlStore store, SecretSealer sealer, SigningKeyRing ring, List<string> notes)
    {
        _store = store;
        _sealer = sealer;
        Ring = ring;
        Notes = notes;
    }

    public SigningKeyRing Ring { get; }

    /// <summary>What the opening did that an operator should know (imports), for the log.</summary>
    public IReadOnlyList<string> Notes { get; }

    public static ControlSecrets Open(ControlStore store, KeySecret secret, CloudPaths paths)
    {
        var sealer = new SecretSealer(secret.Secret);
        CheckSecret(store, sealer, secret);
        var notes = new List<string>();
        var storage = new DbKeyRingStorage(store, sealer);
        if (storage.Load().Keys.Count == 0 && FileKeyRingStorage.HasKeys(paths.Keys))
        {
            var old = new FileKeyRingStorage(paths.Keys).Load();
            var stored = storage.Update(s => s.Keys.Count == 0 ? old : s);
            notes.Add(ReferenceEquals(stored, old)
                ? $"imported the signing keys from {paths.Keys} into {store.Describe()} (active {old.ActiveKid}); that folder is no longer used and may be deleted"
                : $"another node stored the signing keys first; {paths.Keys} was not imported");
        }
        else if (FileKeyRingStorage.HasKeys(paths.Keys))
        {
            notes.Add($"{paths.Keys} holds signing keys from before they moved to the database; they are not used (the database's ring is)");
        }
        return new ControlSecrets(store, sealer, SigningKeyRing.Open(storage), notes);
    }

    /// <summary>The unfinished render jobs' text, sealed with this secret in the database.</summary>
    public Renders.JobTexts JobTexts() => new(_store, _sealer);

    /// <summary>The fleet's URL-signing key (short-lived asset URLs), made once or imported from <paramref name="legacyDir"/>.</summary>
    public TokenSigner UrlSigner(string legacyDir) => Signer(UrlKeyName, legacyDir);

    /// <summary>The fleet's render-job token key when there is no CA to derive it from.</summary>
    public TokenSigner JobSigner(string legacyDir) => Signer(JobKeyName, legacyDir);

    private TokenSigner Signer(string name, string legacyDir)
    {
        var sealedKey = _store.Write(tx =>
        {
            if (tx.Value(name) is { } existing) return existing;
            var (kid, key) = TokenSigner.NewestKeyIn(legacyDir)
                             ?? ("t" + DateTimeOffset.UtcNow.ToString("yyyyMMdd") + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), RandomNumberGenerator.GetBytes(32));
            var created = _sealer.Seal(JsonSerializer.SerializeToUtf8Bytes(new StoredTokenKey(kid, key), FleetJson.Options), name);
            tx.SetValue(name, created);
            return created;
        });
        var plain = _sealer.TryUnseal(sealedKey, name) ?? throw new FleetException($"{name} in {_store.Describe()} does not open with this node's key secret");
        var stored = JsonSerializer.Deserialize<StoredTokenKey>(plain, FleetJson.Options)!;
        return new TokenSigner(stored.Kid, stored.Key);
    }

    private static void CheckSecret(ControlStore store, SecretSealer sealer, KeySecret secret)
    {
        var check = store.Write(tx =>
        {
            if (tx.Value(SealCheckName) is { } existing) return existing;
            var made = sealer.Seal(RandomNumberGenerator.GetBytes(32), SealCheckName);
            tx.SetValue(SealCheckName, made);
            return made;
        });
        if (sealer.TryUnseal(check, SealCheckName) is not null) return;
        throw new FleetException(secret.MadeForThisNode
            ? $"the control-plane keys in {store.Describe()} were sealed with another key secret, not this node's {secret.Source}: " +
              $"pass the fleet's key secret with --key-secret-file PATH or {KeySecret.EnvironmentVariable}"
            : $"the key secret from {secret.Source} does not open the control-plane keys in {store.Describe()}: " +
              $"pass the fleet's key secret (the one its first control node started with) with --key-secret-file PATH or {KeySecret.EnvironmentVariable}");
    }

    private sealed record StoredTokenKey(string Kid, byte[] Key);
}
