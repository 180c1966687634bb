using Fleet.Shared.Campaigns;

namespace Fleet.Shared.Rollouts;

/// <summary>What the campaign store holds, as far as an <see cref="ArtifactKind"/> needs it to resolve a rollout's artifact.</summary>
public interface IArtifactCatalog
{
    /// <summary>The published model <c>NAME@VERSION</c>, or null.</summary>
    CampaignReplies.ModelView? PublishedModel(string id);

    /// <summary>The model (<c>NAME@VERSION</c>) a completed rollout gave every device for model <paramref name="name"/>, or null.</summary>
    string? ModelDirectedFleetWide(string name);

    bool CampaignExists(string campaignId);

    bool HasVersion(string campaignId, int version);

    /// <summary>The first campaign version that carries template <c>NAME@VERSION</c>, or null.</summary>
    (string CampaignId, int Version)? TemplateOwner(string templateId);

    /// <summary>The newest version of the campaign below <paramref name="version"/> that is in force (not staged or withdrawn), or null.</summary>
    int? InForceBefore(string campaignId, int version);
}
