using Fleet.Shared.Serialization;

namespace Fleet.Shared.Campaigns;

/// <summary>The campaign store in a snapshot: campaigns with their versions and signatures, models, rollout overlays, revision,
/// copy review decisions (null in snapshots taken before reviews existed).</summary>
[PersistedAs("campaigns-snapshot.v1")]
public sealed record CampaignsSnapshot(
    IReadOnlyList<CampaignsSnapshot.Campaign> Campaigns,
    IReadOnlyList<CampaignReplies.ModelView> Models,
    IReadOnlyList<ArtifactOverlay> Overlays,
    long Revision,
    IReadOnlyList<CampaignEvents.VariantReviewed>? Reviews = null) : IFleetEvent
{
    /// <param name="Withdrawn">Versions out of force (staged or rolled back).</param>
    /// <param name="Retracted">Versions an operator or a rollback took out.</param>
    public sealed record Campaign(string Id, string Name, IReadOnlyList<Version> Versions, IReadOnlyList<IReadOnlyDictionary<string, string>> Assignments,
        IReadOnlyList<int> Withdrawn, IReadOnlyList<int> Retracted);

    public sealed record Version(CampaignEvents.VersionCreated Created, CampaignEvents.ManifestSigned? Signed);
}
