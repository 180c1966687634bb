using System.Security.Cryptography;
using Fleet.Shared.Cli;
using Fleet.Shared.Rendering;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Campaigns;

/// <summary>Reads a campaign folder (<c>campaign.json</c> + template + assets) and refuses anything incomplete or tampered.</summary>
public static class CampaignLoader
{
    public const string FileName = "campaign.json";
    public const string SchemaName = "campaign.schema.json";

    public static LoadedCampaign LoadDirectory(string dir)
    {
        var root = Path.GetFullPath(dir);
        if (!Directory.Exists(root)) throw new FleetException($"{dir}: campaign folder not found");
        var specPath = Path.Combine(root, FileName);
        if (!File.Exists(specPath)) throw new FleetException($"{dir}: no {FileName} in the campaign folder");
        var spec = SchemaCheckedJson.Load<CampaignSpec>(specPath, SchemaName);
        CampaignLocales.Validate(spec, FileName);

        var templatePath = Inside(root, spec.Template, "template");
        if (!File.Exists(templatePath)) throw new FleetException($"{FileName}: template '{spec.Template}' not found");
        var template = TemplateLoader.Load(templatePath);

        var assets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in spec.Assets)
        {
            if (assets.ContainsKey(a.Name)) throw new FleetException($"{FileName}: asset '{a.Name}' is listed twice");
            var path = Inside(root, a.Path, $"asset '{a.Name}'");
            if (!File.Exists(path)) throw new FleetException($"{FileName}: asset '{a.Name}' missing: {a.Path}");
            if (a.Sha256 is { } expected)
            {
                var actual = Sha256Of(path);
                if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                    throw new FleetException($"{FileName}: asset '{a.Name}' sha256 mismatch: expected {expected}, got {actual}");
            }
            assets[a.Name] = path;
        }

        var referenced = new List<(string Name, string Where)> { (template.BaseVideo, "template base_video"), (spec.StaticCreative, "static_creative") };
        if (template.Music is { } m) referenced.Add((m, "template music"));
        referenced.AddRange(template.Layers.Where(l => l.Asset is not null).Select(l => (l.Asset!, "template image layer")));
        referenced.AddRange(template.Layers.Where(l => l.Font is not null).Select(l => (l.Font!, "template font")));
        foreach (var (name, where) in referenced)
            if (!assets.ContainsKey(name)) throw new FleetException($"{FileName}: {where} refers to unknown asset '{name}'");

        return new LoadedCampaign(root, spec, template, assets);
    }

    /// <summary>Lower-case hex sha256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    // Paths in campaign.json are relative to the folder; "../" escapes are refused so a campaign cannot read other files.
    private static string Inside(string root, string relative, string what)
    {
        var full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new FleetException($"{FileName}: {what} path '{relative}' leaves the campaign folder");
        return full;
    }
}
