using Fleet.Shared.Campaigns;

namespace Fleet.Shared.Manifests;

/// <summary>The campaign a verified manifest describes, as the loaders and render engines take it.</summary>
public static class ManifestCampaign
{
    /// <param name="assets">Where each asset (the template excluded) is found by whoever renders.</param>
    public static CampaignSpec ToSpec(this Manifest m, IReadOnlyList<AssetRef> assets) => new()
    {
        Id = m.CampaignId,
        Name = m.CampaignId,
        Template = "template.json",
        Voice = m.Voice,
        Headlines = m.Copy.Headlines,
        Ctas = m.Copy.Ctas,
        DefaultCopy = m.DefaultCopy,
        Rules = m.Rules,
        FieldDefaults = m.FieldDefaults,
        Budget = m.Budget,
        StaticCreative = m.StaticCreative,
        Holdout = m.Holdout,
        Exploration = m.Exploration,
        Locale = m.Locale ?? CampaignLocales.DefaultLocale,
        Locales = m.Locales,
        Assets = assets,
    };
}
