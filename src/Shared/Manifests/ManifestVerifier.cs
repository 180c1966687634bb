using Fleet.Shared.Security;

namespace Fleet.Shared.Manifests;

/// <summary>Device-side check of a signed manifest: envelope, key, signature over the exact bytes, structure, validity window.</summary>
public static class ManifestVerifier
{
    /// <summary>Device clocks drift; a manifest issued this far "in the future" is still accepted. Expiry has no leeway.</summary>
    public static readonly TimeSpan DefaultIssueSkew = TimeSpan.FromMinutes(2);

    public static ManifestVerification Verify(ReadOnlySpan<byte> envelopeJson, TrustSet trust, DateTimeOffset now, TimeSpan? issueSkew = null)
    {
        if (!SignedEnvelope.TryParse(envelopeJson, out var envelope, out var error))
            return ManifestVerification.Reject(RejectionReason.Malformed, error);
        return Verify(envelope!, trust, now, issueSkew);
    }

    public static ManifestVerification Verify(SignedEnvelope envelope, TrustSet trust, DateTimeOffset now, TimeSpan? issueSkew = null)
    {
        var checkedEnvelope = EnvelopeVerifier.Verify(envelope, trust, now);
        if (!checkedEnvelope.IsValid) return ManifestVerification.Reject(checkedEnvelope.Reason!.Value, checkedEnvelope.Message);
        var manifest = ManifestRules.TryDecode(checkedEnvelope.Payload!, out var error);
        if (manifest is null) return ManifestVerification.Reject(RejectionReason.Malformed, error);
        var id = $"manifest {manifest.CampaignId} v{manifest.Version}";
        if (now >= manifest.ExpiresAt)
            return ManifestVerification.Reject(RejectionReason.Expired, $"{id} expired at {manifest.ExpiresAt:O}");
        if (now + (issueSkew ?? DefaultIssueSkew) < manifest.IssuedAt)
            return ManifestVerification.Reject(RejectionReason.NotYetValid, $"{id} is not valid before {manifest.IssuedAt:O}");
        return new ManifestVerification(new SignedManifest(manifest, envelope), null, $"{id} signed by {envelope.Kid}");
    }
}

/// <summary>The verified manifest, or the reason (and a one-line message) it was rejected.</summary>
public sealed record ManifestVerification(SignedManifest? Signed, RejectionReason? Reason, string Message)
{
    public bool IsValid => Reason is null;

    public Manifest? Manifest => Signed?.Manifest;

    internal static ManifestVerification Reject(RejectionReason reason, string message) => new(null, reason, message);
}
