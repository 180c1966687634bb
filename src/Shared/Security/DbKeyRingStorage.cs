using System.Collections.Immutable;
using Fleet.Shared.Cli;
using Fleet.Shared.Persistence;

namespace Fleet.Shared.Security;

/// <summary>
/// A key ring in the cluster's database (<see cref="ControlStore"/>), shared by every control node: public keys in the
/// clear, private keys sealed with the deployment's key secret, the active kid as a named value.
/// </summary>
public sealed class DbKeyRingStorage(ControlStore store, SecretSealer sealer) : IKeyRingStorage
{
    public const string ActiveKidName = "signing.active-kid";

    public string Describe() => store.Describe();

    public KeyRingState Load() => store.Read(LoadIn);

    public KeyRingState Update(Func<KeyRingState, KeyRingState> change) => store.Write(tx =>
    {
        var before = LoadIn(tx);
        var after = change(before);
        foreach (var key in after.Keys.Values.Where(k => !before.Keys.TryGetValue(k.Kid, out var old) || !ReferenceEquals(old, k)))
            tx.Execute("INSERT INTO fleet_signing_keys (kid, alg, created_at, public_key, private_sealed, revoked_at) " +
                       "VALUES (@kid, @alg, @created, @public, @sealed, @revoked) ON CONFLICT (kid) DO UPDATE SET " +
                       "private_sealed = excluded.private_sealed, revoked_at = excluded.revoked_at",
                ("kid", key.Kid), ("alg", key.Alg), ("created", key.CreatedAt.ToUnixTimeMilliseconds()), ("public", Convert.ToBase64String(key.PublicKey)),
                ("sealed", key.PrivateKey is null ? null : sealer.Seal(key.PrivateKey, Label(key.Kid))), ("revoked", key.RevokedAt?.ToUnixTimeMilliseconds()));
        if (after.ActiveKid != before.ActiveKid) tx.SetValue(ActiveKidName, after.ActiveKid);
        return after;
    });

    private KeyRingState LoadIn(ControlStore.Tx tx)
    {
        var keys = tx.Query("SELECT kid, alg, created_at, public_key, private_sealed, revoked_at FROM fleet_signing_keys", r =>
        {
            var kid = r.GetString(0);
            byte[]? privateKey = null;
            if (!r.IsDBNull(4))
                privateKey = sealer.TryUnseal(r.GetString(4), Label(kid))
                             ?? throw new FleetException($"signing key '{kid}' in {store.Describe()} does not open with this node's key secret");
            return new SigningKey(kid, r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), privateKey,
                Convert.FromBase64String(r.GetString(3)), r.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)));
        });
        return new KeyRingState(keys.ToImmutableSortedDictionary(k => k.Kid, k => k, StringComparer.Ordinal), tx.Value(ActiveKidName) ?? "");
    }

    private static string Label(string kid) => "signing-key:" + kid;
}
