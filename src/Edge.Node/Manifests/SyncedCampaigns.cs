using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Edge.Store;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Cli;
using static Fleet.Edge.Manifests.ManifestsProtocol;

namespace Fleet.Edge.Manifests;

/// <summary>A campaign a device can render now: loaded, with its version, the personalisation model it uses and the assets to verify at use.</summary>
public sealed record CampaignInForce(LoadedCampaign Campaign, string Version, Personalisation.ModelInUse? Model, IReadOnlyList<ExpectedAsset>? Expected = null);

/// <summary>
/// The render pipeline's view of synced campaigns: the verified version in force, loaded with <see cref="CampaignLoader"/>
/// from the folder the manifests actor prepared (each folder loaded once, after its template passed the guard; a new
/// version is a new folder). Every other asset is verified by the render itself.
/// </summary>
public sealed class SyncedCampaigns(IRequiredActor<ManifestsActor> manifests, AssetGuard guard)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<string, (LoadedCampaign Campaign, IReadOnlyList<ExpectedAsset> Expected)> _byFolder = new(StringComparer.Ordinal);

    /// <summary>The campaign <paramref name="campaignId"/> in force, or (without an id) the first one; null when there is none.</summary>
    /// <exception cref="FleetException">Its template failed verification (quarantined; the device fetches it again).</exception>
    public async Task<CampaignInForce?> FindAsync(string? campaignId)
    {
        var actor = await manifests.GetAsync();
        var id = campaignId ?? (await actor.Ask<ManifestsProtocol.Status>(GetStatus.Instance, AskTimeout)).Running.FirstOrDefault()?.CampaignId;
        if (id is null) return null;
        if (await actor.Ask<object>(new GetActiveCampaign(id), AskTimeout) is not ActiveCampaign a) return null;
        var template = ManifestCache.TemplateAsset(a.Manifest);
        var owner = $"{a.CampaignId} v{a.Version}";
        if (await guard.CheckAsync(a.AssetPaths[template.Name], template.Sha256, $"template of {owner}") != AssetState.Good)
            throw new FleetException($"campaign {owner}: its template failed verification; the device is fetching it again");
        var (campaign, expected) = _byFolder.GetOrAdd(a.Folder, folder => (Load(folder, owner),
            a.Manifest.Assets.Where(x => x != template).Select(x => new ExpectedAsset(x.Name, a.AssetPaths[x.Name], x.Sha256)).ToList()));
        return new CampaignInForce(campaign, a.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Model, expected);
    }

    private static LoadedCampaign Load(string folder, string owner)
    {
        try { return CampaignLoader.LoadDirectory(folder); }
        catch (FleetException e) { throw new FleetException($"campaign {owner} cannot be loaded ({e.Message}); the device is fetching what it lacks"); }
    }
}
