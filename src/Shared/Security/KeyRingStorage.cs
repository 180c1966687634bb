using System.Collections.Immutable;

namespace Fleet.Shared.Security;

/// <summary>One ES256 signing key; <see cref="PrivateKey"/> (PKCS#8) is null once revoked.</summary>
public sealed record SigningKey(string Kid, string Alg, DateTimeOffset CreatedAt, byte[]? PrivateKey, byte[] PublicKey, DateTimeOffset? RevokedAt);

/// <summary>The ring as stored: every key by kid and the active one.</summary>
public sealed record KeyRingState(ImmutableSortedDictionary<string, SigningKey> Keys, string ActiveKid)
{
    public static readonly KeyRingState Empty = new(ImmutableSortedDictionary.Create<string, SigningKey>(StringComparer.Ordinal), "");

    /// <summary>Unix milliseconds of the last change (a key added or revoked): the trust set's version.</summary>
    public long Version => Keys.Count == 0 ? 0
        : Keys.Values.Max(k => Math.Max(k.CreatedAt.ToUnixTimeMilliseconds(), k.RevokedAt?.ToUnixTimeMilliseconds() ?? 0));
}

/// <summary>Where a <see cref="SigningKeyRing"/> keeps its keys: the cluster's database, or a folder (tests, tools).</summary>
public interface IKeyRingStorage
{
    /// <summary>Where the ring lives, for messages.</summary>
    string Describe();

    KeyRingState Load();

    /// <summary>
    /// Applies <paramref name="change"/> to the stored ring under an exclusive lock and stores the result, so changes
    /// from several nodes never overwrite each other; returns what was stored.
    /// </summary>
    KeyRingState Update(Func<KeyRingState, KeyRingState> change);
}
