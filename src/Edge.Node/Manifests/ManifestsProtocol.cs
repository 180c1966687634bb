using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;

namespace Fleet.Edge.Manifests;

/// <summary>What the render pipeline and the local API ask the <c>manifests</c> actor.</summary>
public static class ManifestsProtocol
{
    /// <summary>Answered with <see cref="ActiveCampaign"/> or <see cref="NoActiveCampaign"/>.</summary>
    public sealed record GetActiveCampaign(string CampaignId);

    /// <summary>
    /// The verified version in force: its manifest, a folder <c>CampaignLoader.LoadDirectory</c> can load
    /// (campaign.json, template.json, assets/ linked to verified content) and each asset's file by name.
    /// </summary>
    /// <param name="Model">The personalisation model renders of this campaign use now.</param>
    public sealed record ActiveCampaign(string CampaignId, int Version, Manifest Manifest, string Folder, IReadOnlyDictionary<string, string> AssetPaths,
        Personalisation.ModelInUse Model);

    public sealed record NoActiveCampaign(string CampaignId, string Reason);

    /// <summary>
    /// Published on the event stream when a verified version goes into force, and again when the model its renders use
    /// changes (a rollout's model verified or withdrawn, a pinned model verified): the render pipeline gets ready for it.
    /// </summary>
    public sealed record VersionInForce(string CampaignId, int Version);

    /// <summary>
    /// Published by a render pipeline once it listens for <see cref="VersionInForce"/>, and told to the manifests actor in
    /// answer to <see cref="ManifestsStarted"/>: every version in force is announced, and from then on a newly verified
    /// model is warmed up through <paramref name="Pipeline"/> (<see cref="WarmWithModel"/>) before renders switch to it.
    /// </summary>
    public sealed record RenderPipelineListening(Akka.Actor.IActorRef Pipeline);

    /// <summary>Published by the manifests actor as it starts: a render pipeline already listening answers with <see cref="RenderPipelineListening"/>.</summary>
    public sealed record ManifestsStarted(Akka.Actor.IActorRef Manifests);

    /// <summary>Asked of the render pipeline before renders of a version in force switch to <paramref name="Model"/>; answered with <see cref="ModelWarmed"/>.</summary>
    public sealed record WarmWithModel(string CampaignId, Personalisation.ModelInUse Model);

    /// <param name="Error">Why the pipeline is not (fully) ready; the switch happens all the same and the first render does the rest.</param>
    public sealed record ModelWarmed(string? Error);

    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <summary>Shown by <c>GET /v1/status</c> and reported to the cloud.</summary>
    public sealed record Status(bool Online, IReadOnlyList<RunningCampaign> Running, IReadOnlyList<SyncRejection> Rejections,
        IReadOnlyList<string> Pending, string? LastError);
}
