using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Commands;
using Fleet.Shared.Manifests;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Campaigns;

/// <summary>
/// Publishing a campaign folder: receive it, validate it completely (<see cref="CampaignLoader"/>: schema, template,
/// every asset), and only then put its files into the content store and ask the campaign store for a version.
/// An invalid folder stores nothing.
/// </summary>
public sealed class CampaignPublisher(ContentStore assets, IRequiredActor<CampaignStore> store, CloudPaths paths)
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public async Task<CommandResult<CampaignReplies.Published>> PublishAsync(HttpRequest request, string? modelId, bool staged, string by, CancellationToken ct)
    {
        using var upload = await CampaignUpload.ReceiveAsync(request, paths.Uploads, ct);
        LoadedCampaign loaded;
        try
        {
            loaded = CampaignLoader.LoadDirectory(upload.Directory);
        }
        catch (FleetException e)
        {
            throw new FleetException(upload.Describe(e.Message));
        }
        var spec = loaded.Spec;
        if (CampaignId.Invalid(spec.Id) is { } badId) throw new FleetException($"campaign.json: {badId}");
        if (spec.Assets.Any(a => a.Name == spec.Template)) throw new FleetException($"campaign.json: asset name '{spec.Template}' clashes with the template file name");
        var model = await ModelAsync(modelId, ct);

        var stored = new Dictionary<string, ContentInfo>(StringComparer.Ordinal);
        foreach (var (name, path) in loaded.AssetPaths) stored[name] = await PutAsync(path, ct);
        var template = await PutAsync(Path.Combine(loaded.Directory, spec.Template), ct);
        var draft = ManifestDraft.Build(spec, template, stored, model);
        // A pinned model is part of the version: devices assigned the campaign may fetch it (the manifest signs its sha256).
        var shas = draft.Assets.Select(a => a.Sha256).Concat(model == DefaultModel.Ref ? [] : [model.Sha256]).Distinct().ToList();
        var cmd = new CampaignCommands.PublishVersion(spec.Id, spec.Name, ManifestDraft.ContentHash(draft),
            JsonSerializer.Serialize(draft, FleetJson.Options), shas, draft.Assets.Sum(a => a.Size), by, staged);
        return await (await store.GetAsync(ct)).AskCommand<CampaignReplies.Published>(cmd, AskTimeout, ct);
    }

    private async Task<ContentInfo> PutAsync(string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        return await assets.PutAsync(file, ct);
    }

    private async Task<ArtifactRef> ModelAsync(string? modelId, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(modelId)) return DefaultModel.Ref;
        var models = await (await store.GetAsync(ct)).Ask<CampaignReplies.ModelList>(CampaignCommands.ListModels.Instance, AskTimeout, ct);
        var m = models.Models.FirstOrDefault(x => $"{x.Name}@{x.Version}" == modelId)
                ?? throw new FleetException($"model '{modelId}' is not published (fleet-cloud model publish FILE --name N --version V)");
        return new ArtifactRef(m.Name, m.Version, m.Sha256);
    }
}

/// <summary>Folders under the cloud node's data folder.</summary>
public sealed record CloudPaths(string DataDir, string? StoreDir = null)
{
    public string Assets => StoreDir ?? Path.Combine(DataDir, "assets");
    public string RenderWork => Path.Combine(DataDir, "render-worker");
    public string JobKeys => Path.Combine(DataDir, "job-keys");
    public string Uploads => Path.Combine(DataDir, "uploads");
    public string Keys => Path.Combine(DataDir, "keys");
    public string UrlKeys => Path.Combine(DataDir, "url-keys");
}
