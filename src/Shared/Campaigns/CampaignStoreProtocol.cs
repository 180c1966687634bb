using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Campaigns;

/// <summary>
/// Requests to the campaign store singleton. They carry only text and numbers (the manifest draft as JSON), so they
/// cross between control nodes under the protocol allow-list.
/// </summary>
public static class CampaignCommands
{
    /// <summary>A validated campaign folder whose files are already in the content store; same content hash → existing version.</summary>
    /// <param name="Staged">Store the version without sending it to devices; a rollout takes it there.</param>
    public sealed record PublishVersion(string CampaignId, string Name, string ContentHash, string DraftJson, IReadOnlyList<string> AssetShas, long Bytes, string By,
        bool Staged = false) : IFleetProtocol;

    public sealed record PublishModel(string Name, string Version, string Sha256, long Size, string By) : IFleetProtocol;

    /// <summary>Assign a campaign (its newest version, now and later) to every device whose tags include <see cref="Tags"/>.</summary>
    public sealed record Assign(string CampaignId, IReadOnlyDictionary<string, string> Tags, string By) : IFleetProtocol;

    public sealed record ListCampaigns : IFleetProtocol
    {
        public static readonly ListCampaigns Instance = new();
    }

    public sealed record GetCampaign(string CampaignId) : IFleetProtocol;

    public sealed record ListModels : IFleetProtocol
    {
        public static readonly ListModels Instance = new();
    }

    /// <summary>The signed manifest of one version; re-signed when its key was revoked or it is close to expiry.</summary>
    public sealed record GetManifest(string CampaignId, int Version) : IFleetProtocol;

    /// <summary>May a device with these tags read this campaign (or, with a sha256, this asset)?</summary>
    public sealed record CheckDeviceAccess(string DeviceId, IReadOnlyDictionary<string, string> DeviceTags, string? CampaignId, string? AssetSha256)
        : IFleetProtocol;

    /// <summary>Signing keys changed (rotate/revoke): publish the new trust set to devices.</summary>
    public sealed record TrustChanged : IFleetProtocol
    {
        public static readonly TrustChanged Instance = new();
    }

    public sealed record GetSyncStatus(string? CampaignId) : IFleetProtocol;

    /// <summary>Does the artifact exist, and what would a rollout of it keep as baseline? Answered with ArtifactResolved or Refused.</summary>
    public sealed record ResolveArtifact(RolloutArtifact Artifact) : IFleetProtocol;

    /// <summary>Set (or replace) a rollout's overlay on the assignment table.</summary>
    public sealed record SetOverlay(ArtifactOverlay Overlay) : IFleetProtocol;

    public sealed record ClearOverlay(string RolloutId) : IFleetProtocol;

    /// <summary>Take a campaign version out of force (rolled back) or put it in force (released by a completed rollout).</summary>
    public sealed record MarkVersion(string CampaignId, int Version, bool Withdrawn, string By, string Why) : IFleetProtocol;

    /// <summary>Every copy variant of a version with its review state and the safety filter's verdict; answered with ReviewAnswer.</summary>
    public sealed record GetReview(string CampaignId, int Version) : IFleetProtocol;

    /// <summary>Approve or reject one copy variant of a version; a rejection needs a reason. Answered with ReviewAnswer.</summary>
    public sealed record ReviewVariant(string CampaignId, int Version, string VariantId, bool Approve, string By, string Role, string Why) : IFleetProtocol;
}

/// <summary>Answers of the campaign store.</summary>
public static class CampaignReplies
{
    public sealed record Published(string CampaignId, int Version, bool Created, string ContentHash) : IFleetProtocol;

    public sealed record ModelPublished(ModelView Model, bool Created) : IFleetProtocol;

    public sealed record Assigned(string CampaignId, IReadOnlyDictionary<string, string> Tags, int Version) : IFleetProtocol;

    /// <summary>A rollout artifact checked against the store: what it moves and what the baseline keeps.</summary>
    public sealed record ArtifactResolved(RolloutArtifact Artifact, string? CampaignId, int? TargetVersion, int? PreviousVersion,
        string? ModelSha256, string Previous) : IFleetProtocol;

    /// <summary>An overlay or version mark took effect (or already had).</summary>
    public sealed record OverlayApplied(string What, long Revision) : IFleetProtocol;

    public sealed record CampaignSummary(string Id, string Name, int LatestVersion, DateTimeOffset UpdatedAt,
        IReadOnlyList<IReadOnlyDictionary<string, string>> Assignments) : IFleetProtocol;

    /// <param name="Template">The template artifact this version carries (<c>template:NAME@VERSION</c> rollouts name it).</param>
    /// <param name="InForce">False while staged or after a rollback withdrew it.</param>
    public sealed record VersionView(int Version, string ContentHash, DateTimeOffset CreatedAt, string CreatedBy, string? Kid,
        DateTimeOffset? ExpiresAt, int Assets, long Bytes, string? Template = null, bool InForce = true) : IFleetProtocol;

    public sealed record CampaignDetail(CampaignSummary Summary, IReadOnlyList<VersionView> Versions) : IFleetProtocol;

    public sealed record CampaignList(IReadOnlyList<CampaignSummary> Campaigns) : IFleetProtocol;

    public sealed record ModelView(string Name, string Version, string Sha256, long Size, DateTimeOffset PublishedAt, string PublishedBy)
        : IFleetProtocol;

    public sealed record ModelList(IReadOnlyList<ModelView> Models) : IFleetProtocol;

    public sealed record ManifestJson(string CampaignId, int Version, string EnvelopeJson) : IFleetProtocol;

    public sealed record Access(bool Allowed, string Reason) : IFleetProtocol;

    public sealed record SyncStatus(IReadOnlyList<DeviceSyncReport> Devices) : IFleetProtocol;

    /// <summary>One copy variant under review. <paramref name="Locale"/>: the pool ("" for the default one); <paramref name="State"/>:
    /// unreviewed, approved or rejected; <paramref name="Safety"/>: what the safety filter says of it (empty: safe).</summary>
    public sealed record VariantReview(string Id, string Locale, string Kind, string Text, string State, IReadOnlyList<string> Safety,
        string? By = null, string? Role = null, string? Why = null, DateTimeOffset? At = null) : IFleetProtocol;

    /// <param name="Approved">True when every variant is approved (a rollout requiring review may pass stage 1).</param>
    public sealed record ReviewView(string CampaignId, int Version, bool Approved, IReadOnlyList<VariantReview> Variants) : IFleetProtocol;

    /// <summary>The review of a version, or why there is none (<paramref name="Status"/> 404, 400).</summary>
    public sealed record ReviewAnswer(ReviewView? Review, int Status = 200, string? Error = null) : IFleetProtocol;
}
