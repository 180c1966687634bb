using System.Security.Cryptography;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;

namespace Fleet.Cloud.Campaigns;

/// <summary>
/// Turns a validated campaign folder into the manifest every version of it is signed from (version 0 and an empty
/// validity window until the store numbers and signs it), and the content hash that makes publishing idempotent.
/// </summary>
public static class ManifestDraft
{
    public static string AssetUrl(string sha256) => $"/api/v1/assets/{sha256}";

    /// <param name="stored">Content-store entry of every asset by name, plus the template file under its file name.</param>
    public static Manifest Build(CampaignSpec spec, ContentInfo template, IReadOnlyDictionary<string, ContentInfo> stored, ArtifactRef model)
    {
        var assets = spec.Assets.Select(a => Asset(a.Name, stored[a.Name])).ToList();
        assets.Add(Asset(spec.Template, template));
        return new Manifest
        {
            CampaignId = spec.Id,
            Version = 0,
            Template = new ArtifactRef($"{spec.Id}-template", "1.0.0+" + template.Sha256[..12], template.Sha256),
            Model = model,
            Voice = spec.Voice,
            Copy = new CopyPool(spec.Headlines, spec.Ctas),
            DefaultCopy = spec.DefaultCopy,
            Rules = spec.Rules,
            FieldDefaults = new SortedDictionary<string, string>(spec.FieldDefaults.ToDictionary(), StringComparer.Ordinal),
            Budget = spec.Budget,
            StaticCreative = spec.StaticCreative,
            Holdout = spec.Holdout,
            Exploration = spec.Exploration,
            Locale = spec.Locales is { Count: > 0 } || spec.Locale != CampaignLocales.DefaultLocale ? spec.Locale : null,
            Locales = spec.Locales is { Count: > 0 } l ? new SortedDictionary<string, LocaleCopy>(l.ToDictionary(), StringComparer.Ordinal) : null,
            Assets = assets.OrderBy(a => a.Name, StringComparer.Ordinal).ToList(),
            IssuedAt = DateTimeOffset.UnixEpoch,
            ExpiresAt = DateTimeOffset.UnixEpoch,
        };
    }

    /// <summary>sha256 over the draft's canonical bytes: everything a device would receive, nothing that changes per signing.</summary>
    public static string ContentHash(Manifest draft) =>
        Convert.ToHexStringLower(SHA256.HashData(ManifestRules.CanonicalBytes(draft with { Version = 0, IssuedAt = DateTimeOffset.UnixEpoch, ExpiresAt = DateTimeOffset.UnixEpoch })));

    private static ManifestAsset Asset(string name, ContentInfo c) => new(name, c.Sha256, c.Size, AssetUrl(c.Sha256));
}
