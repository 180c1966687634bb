using Fleet.Shared.Cli;

namespace Fleet.Shared.Campaigns;

/// <summary>
/// Which copy pool a render's locale uses: the pool named exactly (<c>de-DE</c>), else its language's (<c>de</c>), else
/// the campaign's default pool, which says so (the language it had no pool for) unless the locale is in the default
/// pool's own language. That is information, not a degraded render: it is not a render fallback, so rollout gates on the
/// fallback rate never count a fleet's languages against a version.
/// </summary>
public static class CampaignLocales
{
    public const string DefaultLocale = "en";

    /// <summary>The language a locale without a pool names, e.g. <c>pt</c>, or <c>unrecognised</c>: the locale comes from the player.</summary>
    public static string WithoutPool(string language) =>
        language.Length is 2 or 3 && language.All(char.IsAsciiLetter) ? language.ToLowerInvariant() : "unrecognised";

    /// <summary>
    /// The campaign as the locale sees it: the matching pool's copy, voice and blocklist in place of the default ones.
    /// <c>Pool</c> names the pool used ("" for the default); it keys anything cached per copy pool. <c>WithoutPool</c> is
    /// the locale's language when the default pool served a locale in another language.
    /// </summary>
    public static (CampaignSpec Spec, string Pool, string? WithoutPool) Resolve(CampaignSpec spec, string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale)) return (spec, "", null);
        var wanted = locale.Trim().Replace('_', '-');
        var language = wanted.Split('-')[0];
        if (spec.Locales is { Count: > 0 } pools
            && (Find(pools, wanted) ?? Find(pools, language)) is { } match)
            return (Localised(spec, match.Value), match.Key, null);
        var sameLanguage = string.Equals(language, spec.Locale.Split('-')[0], StringComparison.OrdinalIgnoreCase);
        return (spec, "", sameLanguage ? null : WithoutPool(language));
    }

    /// <summary>Refuses pools whose variant ids collide (outcomes are learned per variant id) or whose default copy is empty.</summary>
    public static void Validate(CampaignSpec spec, string file)
    {
        if (spec.Locales is null) return;
        var ids = new HashSet<string>(spec.Headlines.Concat(spec.Ctas).Select(v => v.Id), StringComparer.Ordinal);
        foreach (var (name, pool) in spec.Locales)
            foreach (var v in pool.Headlines.Concat(pool.Ctas))
                if (!ids.Add(v.Id)) throw new FleetException($"{file}: copy id '{v.Id}' in locale '{name}' is used twice (ids are unique across all locales)");
    }

    private static KeyValuePair<string, LocaleCopy>? Find(IReadOnlyDictionary<string, LocaleCopy> pools, string key)
    {
        foreach (var kv in pools)
            if (string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)) return kv;
        return null;
    }

    private static CampaignSpec Localised(CampaignSpec spec, LocaleCopy pool) => spec with
    {
        Headlines = pool.Headlines,
        Ctas = pool.Ctas,
        DefaultCopy = pool.DefaultCopy,
        Voice = pool.Voice ?? spec.Voice,
        Rules = pool.Blocklist.Count == 0 ? spec.Rules : spec.Rules with { Blocklist = [.. spec.Rules.Blocklist, .. pool.Blocklist] },
    };
}
