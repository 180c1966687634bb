using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Security;

/// <summary>
/// A trust set certified by the fleet CA: <see cref="Payload"/> (base64 of the exact JSON bytes signed: purpose, version,
/// trust set) and <see cref="Signature"/> (base64 ECDSA P-256/SHA-256 by the CA key, IEEE P1363).
/// </summary>
public sealed record SignedTrustUpdate(string Payload, string Signature)
{
    public string ToJson() => JsonSerializer.Serialize(this, FleetJson.Options);
}

/// <summary>What a device learns from a verified update: the set it may adopt and the update's version.</summary>
public sealed record VerifiedTrust(TrustSet Set, long Version, string UpdateJson);

/// <summary>Issues and checks signed trust updates: the only way a device with a pinned fleet CA changes the keys it trusts.</summary>
public static class TrustUpdates
{
    /// <summary>Names the document, so a CA signature made for anything else can never pass as a trust update.</summary>
    public const string Purpose = "fleet-trust-update";

    public static SignedTrustUpdate Issue(FleetCa ca, TrustSet set, long version)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Document(Purpose, version, Encoding.UTF8.GetString(set.ToJsonBytes())), FleetJson.Options);
        var signature = ca.SignDocument(payload);
        return new SignedTrustUpdate(Convert.ToBase64String(payload), Convert.ToBase64String(signature));
    }

    /// <summary>
    /// The update's trust set if <paramref name="updateJson"/> is signed by <paramref name="root"/> and its version is above
    /// <paramref name="heldVersion"/>; otherwise a one-line reason. <c>Repeat</c>: the held version again (the cloud
    /// repeats itself; nothing to say), as opposed to an older one (a replay) or a bad update.
    /// </summary>
    public static (VerifiedTrust? Trust, string? Refusal, bool Repeat) Check(string updateJson, X509Certificate2 root, long heldVersion)
    {
        SignedTrustUpdate? update;
        byte[] payload, signature;
        try
        {
            update = JsonSerializer.Deserialize<SignedTrustUpdate>(updateJson, FleetJson.Options);
            if (update?.Payload is null || update.Signature is null) return (null, "trust update refused: not a signed trust update", false);
            payload = Convert.FromBase64String(update.Payload);
            signature = Convert.FromBase64String(update.Signature);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return (null, "trust update refused: not a signed trust update", false);
        }
        using (var key = root.GetECDsaPublicKey())
        {
            if (key is null) return (null, "trust update refused: the pinned root has no ECDSA key", false);
            if (!key.VerifyData(payload, signature, HashAlgorithmName.SHA256))
                return (null, $"trust update refused: not signed by the fleet CA pinned at enrolment ({FleetCertificates.Fingerprint(root)[..16]}…)", false);
        }
        Document? doc;
        try { doc = JsonSerializer.Deserialize<Document>(payload, FleetJson.Options); }
        catch (JsonException e) { return (null, $"trust update refused: payload is not a trust update ({e.Message})", false); }
        if (doc?.Purpose != Purpose || doc.TrustSetJson is null) return (null, "trust update refused: payload is not a trust update", false);
        if (doc.Version <= heldVersion)
            return (null, $"trust update refused: version {doc.Version} is not newer than the held version {heldVersion}", doc.Version == heldVersion);
        try
        {
            return (new VerifiedTrust(TrustSet.FromJson(Encoding.UTF8.GetBytes(doc.TrustSetJson)), doc.Version, updateJson), null, false);
        }
        catch (FleetException e)
        {
            return (null, $"trust update refused: {e.Message}", false);
        }
    }

    private sealed record Document(string? Purpose, long Version, string? TrustSetJson);
}

/// <summary>A control node's source of trust updates: re-signs only when the key ring changed.</summary>
public sealed class TrustUpdateIssuer(SigningKeyRing ring, FleetCa? ca)
{
    private readonly object _gate = new();
    private (long Version, string Json)? _last;

    /// <summary>The current signed update as JSON; null on a node without the CA key (its devices keep their trust set).</summary>
    public string? Current()
    {
        if (ca is null) return null;
        var (set, version) = ring.ExportTrust();
        lock (_gate)
        {
            if (_last is { } last && last.Version == version) return last.Json;
            var json = TrustUpdates.Issue(ca, set, version).ToJson();
            _last = (version, json);
            return json;
        }
    }
}
