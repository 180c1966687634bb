using Fleet.Shared.Serialization;

namespace Fleet.Shared.Campaigns;

/// <summary>Persisted events of the campaign store: versions are immutable, signatures are renewed, assignments replace.</summary>
public static class CampaignEvents
{
    /// <summary>
    /// A new numbered version; <see cref="DraftJson"/> is its manifest without version number and validity window.
    /// <see cref="Staged"/>: stored but not sent to devices until a rollout takes it there.
    /// </summary>
    [PersistedAs("campaign-version-created.v1")]
    public sealed record VersionCreated(string CampaignId, string Name, int Version, string ContentHash, string DraftJson,
        IReadOnlyList<string> AssetShas, long Bytes, DateTimeOffset At, string By, bool Staged = false) : IFleetEvent;

    /// <summary>A version taken out of force (a rolled-back rollout) or put back (a completed one).</summary>
    [PersistedAs("campaign-version-marked.v1")]
    public sealed record VersionMarked(string CampaignId, int Version, bool Withdrawn, string By, string Why, DateTimeOffset At) : IFleetEvent;

    /// <summary>A rollout's overlay on the assignment table, set or replaced.</summary>
    [PersistedAs("campaign-overlay-set.v1")]
    public sealed record OverlaySet(ArtifactOverlay Overlay, DateTimeOffset At) : IFleetEvent;

    [PersistedAs("campaign-overlay-cleared.v1")]
    public sealed record OverlayCleared(string RolloutId, DateTimeOffset At) : IFleetEvent;

    /// <summary>The signed envelope served for a version (first signature, or a renewal after expiry or key revocation).</summary>
    [PersistedAs("campaign-manifest-signed.v1")]
    public sealed record ManifestSigned(string CampaignId, int Version, string EnvelopeJson, string Kid, DateTimeOffset ExpiresAt) : IFleetEvent;

    [PersistedAs("campaign-assigned.v1")]
    public sealed record Assigned(string CampaignId, IReadOnlyDictionary<string, string> Tags, DateTimeOffset At, string By) : IFleetEvent;

    /// <summary>A person approved or rejected one copy variant of a version (the latest decision counts).</summary>
    [PersistedAs("campaign-variant-reviewed.v1")]
    public sealed record VariantReviewed(string CampaignId, int Version, string VariantId, bool Approved, string By, string Role, string Why,
        DateTimeOffset At) : IFleetEvent;

    [PersistedAs("model-published.v1")]
    public sealed record ModelPublished(string Name, string Version, string Sha256, long Size, DateTimeOffset At, string By) : IFleetEvent;
}
