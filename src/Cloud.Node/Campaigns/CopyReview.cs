using System.Text.Json;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Campaigns;

/// <summary>
/// Human review of a version's generated copy: every variant of every pool (default and per locale), the latest
/// approve/reject decision on it, and what the device's safety filter would say of it with the campaign's field defaults.
/// </summary>
public static class CopyReview
{
    public const string Unreviewed = "unreviewed", Approved = "approved", Rejected = "rejected";

    /// <summary>Key of one variant's decision in the store.</summary>
    public static string Key(string campaignId, int version, string variantId) => $"{campaignId}@{version}/{variantId}";

    /// <summary>The variants of a version as a reviewer sees them, decisions applied.</summary>
    public static ReviewView View(string campaignId, int version, string draftJson, Func<string, CampaignEvents.VariantReviewed?> decision)
    {
        var variants = Variants(draftJson).Select(v =>
        {
            var d = decision(v.Id);
            return d is null ? v : v with { State = d.Approved ? Approved : Rejected, By = d.By, Role = d.Role, Why = d.Why, At = d.At };
        }).ToList();
        return new ReviewView(campaignId, version, variants.All(v => v.State == Approved), variants);
    }

    /// <summary>Why a rollout of this version may not pass its first stage, or null when every variant is approved.</summary>
    public static string? HoldReason(ReviewView view)
    {
        var open = view.Variants.Where(v => v.State != Approved).ToList();
        if (open.Count == 0) return null;
        var rejected = open.Count(v => v.State == Rejected);
        return $"copy review: {open.Count - rejected} variant(s) unreviewed, {rejected} rejected; holding at stage 1 until every variant is approved " +
               $"(fleet-cloud campaign review {view.CampaignId} {view.Version})";
    }

    private static IEnumerable<VariantReview> Variants(string draftJson)
    {
        var m = JsonSerializer.Deserialize<Manifest>(draftJson, FleetJson.Options)!;
        foreach (var v in Pool("", m.Copy.Headlines, m.Copy.Ctas, m.Rules, m.FieldDefaults)) yield return v;
        foreach (var (locale, pool) in (m.Locales ?? new Dictionary<string, LocaleCopy>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var rules = pool.Blocklist.Count == 0 ? m.Rules : m.Rules with { Blocklist = [.. m.Rules.Blocklist, .. pool.Blocklist] };
            foreach (var v in Pool(locale, pool.Headlines, pool.Ctas, rules, m.FieldDefaults)) yield return v;
        }
    }

    private static IEnumerable<VariantReview> Pool(string locale, IReadOnlyList<CopyVariant> headlines, IReadOnlyList<CopyVariant> ctas,
        CopyRules rules, IReadOnlyDictionary<string, string> defaults) =>
        headlines.Select(v => Check(locale, v, CopyKind.Headline, rules, defaults))
            .Concat(ctas.Select(v => Check(locale, v, CopyKind.Cta, rules, defaults)));

    // Checked as a device without local fields would show it: slots filled from the campaign's defaults.
    private static VariantReview Check(string locale, CopyVariant v, CopyKind kind, CopyRules rules, IReadOnlyDictionary<string, string> defaults)
    {
        var (text, unresolved) = SlotFiller.Fill(v.Text, defaults);
        return new VariantReview(v.Id, locale, FleetJson.Name(kind), v.Text, Unreviewed, SafetyFilter.Check(text, kind, rules, unresolved));
    }
}
