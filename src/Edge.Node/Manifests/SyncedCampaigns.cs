using System.Collections.Concurrent;
using Akka.Actor;
using Fleet.Shared.Campaigns;
using static Fleet.Edge.Manifests.ManifestsProtocol;

namespace Fleet.Edge.Manifests;

/// <summary>A campaign a device can render now: loaded, with its version and the personalisation model it uses.</summary>
public sealed record CampaignInForce(LoadedCampaign Campaign, string Version, Personalisation.ModelInUse? Model);

/// <summary>
/// The render pipeline's view of synced campaigns: the verified version in force, loaded with <see cref="CampaignLoader"/>
/// from the folder the manifests actor prepared (each folder loaded once; a new version is a new folder).
/// </summary>
public sealed class SyncedCampaigns(Func<IActorRef> manifests)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<string, LoadedCampaign> _byFolder = new(StringComparer.Ordinal);

    /// <summary>The campaign <paramref name="campaignId"/> in force, or (without an id) the first one; null when there is none.</summary>
    public async Task<CampaignInForce?> FindAsync(string? campaignId)
    {
        var actor = manifests();
        var id = campaignId ?? (await actor.Ask<ManifestsProtocol.Status>(GetStatus.Instance, AskTimeout)).Running.FirstOrDefault()?.CampaignId;
        if (id is null) return null;
        return await actor.Ask<object>(new GetActiveCampaign(id), AskTimeout) is ActiveCampaign a
            ? new CampaignInForce(_byFolder.GetOrAdd(a.Folder, CampaignLoader.LoadDirectory), a.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Model)
            : null;
    }
}
