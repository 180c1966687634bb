using Fleet.Shared.Cli;
using Fleet.Shared.Rendering;

namespace Fleet.Shared.Campaigns;

/// <summary>A campaign folder after validation: its spec, its template and every asset resolved to a checked file.</summary>
public sealed record LoadedCampaign(string Directory, CampaignSpec Spec, TemplateSpec Template, IReadOnlyDictionary<string, string> AssetPaths)
{
    /// <summary>Absolute path of the asset called <paramref name="name"/>.</summary>
    public string Asset(string name) =>
        AssetPaths.TryGetValue(name, out var p) ? p : throw new FleetException($"campaign {Spec.Id}: no asset named '{name}'");

    public string BaseVideoPath => Asset(Template.BaseVideo);
    public string? MusicPath => Template.Music is null ? null : Asset(Template.Music);
    public string StaticCreativePath => Asset(Spec.StaticCreative);
}
