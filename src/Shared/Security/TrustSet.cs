using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Security;

/// <summary>The public keys a device accepts signatures from (kid → P-256 SPKI) and the kids it must refuse.</summary>
public sealed class TrustSet
{
    private TrustSet(ImmutableDictionary<string, byte[]> keys, ImmutableHashSet<string> revoked, ImmutableDictionary<string, DateTimeOffset> notAfter)
    {
        Keys = keys;
        Revoked = revoked;
        NotAfter = notAfter;
    }

    public static TrustSet Empty { get; } = new(ImmutableDictionary<string, byte[]>.Empty, ImmutableHashSet<string>.Empty,
        ImmutableDictionary<string, DateTimeOffset>.Empty);

    /// <summary>
    /// The end of each key's validity period, as the fleet CA certified it with the set: a signature a key makes after
    /// that is refused. Keys without one (sets from before validity periods) never expire.
    /// </summary>
    public ImmutableDictionary<string, DateTimeOffset> NotAfter { get; }

    /// <summary>Trusted keys by kid, as SubjectPublicKeyInfo bytes.</summary>
    public ImmutableDictionary<string, byte[]> Keys { get; }

    public ImmutableHashSet<string> Revoked { get; }

    public TrustSet WithKey(string kid, byte[] spki, DateTimeOffset? notAfter = null)
    {
        KeyIds.Validate(kid);
        using (ImportPublic(spki)) { }
        return new TrustSet(Keys.SetItem(kid, spki), Revoked, notAfter is { } end ? NotAfter.SetItem(kid, end) : NotAfter.Remove(kid));
    }

    /// <summary>Revoking wins over trusting: a revoked kid is refused even if its key is still listed.</summary>
    public TrustSet WithRevoked(string kid) => new(Keys.Remove(kid), Revoked.Add(kid), NotAfter.Remove(kid));

    /// <summary>When <paramref name="kid"/>'s validity ended, if it ended before <paramref name="at"/>.</summary>
    public DateTimeOffset? ExpiredAt(string kid, DateTimeOffset at) => NotAfter.TryGetValue(kid, out var end) && at > end ? end : null;

    public bool IsRevoked(string kid) => Revoked.Contains(kid);

    /// <summary>A fresh ECDsa for the kid's public key, or null when the kid is unknown or revoked.</summary>
    internal ECDsa? OpenPublicKey(string kid) =>
        !Revoked.Contains(kid) && Keys.TryGetValue(kid, out var spki) ? ImportPublic(spki) : null;

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(ToDocument(), FleetJson.Indented);

    /// <summary>Parses the JSON a device is given; any invalid key fails the whole set so nothing is half-trusted.</summary>
    public static TrustSet FromJson(ReadOnlySpan<byte> json)
    {
        TrustSetDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<TrustSetDocument>(json, FleetJson.Options);
        }
        catch (JsonException e)
        {
            throw new FleetException($"trust set is not valid JSON: {e.Message}");
        }
        if (doc?.Keys is null) throw new FleetException("trust set has no 'keys' list");
        var set = Empty;
        foreach (var k in doc.Keys)
        {
            if (k?.Kid is null || !KeyIds.IsValid(k.Kid)) throw new FleetException($"trust set key has an invalid kid '{k?.Kid}'");
            if (k.Alg != SignedEnvelope.Es256) throw new FleetException($"trust set key {k.Kid}: unsupported alg '{k.Alg}'");
            byte[] spki;
            try
            {
                spki = Convert.FromBase64String(k.PublicKey ?? "");
                set = set.WithKey(k.Kid, spki, k.NotAfter);
            }
            catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
            {
                throw new FleetException($"trust set key {k.Kid}: public key is not a P-256 SubjectPublicKeyInfo");
            }
        }
        foreach (var kid in doc.Revoked ?? []) set = set.WithRevoked(kid);
        return set;
    }

    private TrustSetDocument ToDocument() => new(
        Keys.OrderBy(k => k.Key, StringComparer.Ordinal)
            .Select(k => (TrustedKeyDocument?)new TrustedKeyDocument(k.Key, SignedEnvelope.Es256, Convert.ToBase64String(k.Value),
                NotAfter.TryGetValue(k.Key, out var end) ? end : null))
            .ToList(),
        Revoked.Order(StringComparer.Ordinal).ToList());

    private static ECDsa ImportPublic(byte[] spki)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(spki, out _);
            if (key.KeySize != 256) throw new CryptographicException("not a P-256 key");
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private sealed record TrustSetDocument(List<TrustedKeyDocument?>? Keys, List<string>? Revoked);

    private sealed record TrustedKeyDocument(string? Kid, string? Alg, string? PublicKey, DateTimeOffset? NotAfter = null);
}
