using System.Text.RegularExpressions;

namespace Fleet.Shared.Campaigns;

/// <summary>Checks filled copy against the campaign's rules; nothing reaches the screen without passing it.</summary>
public static partial class SafetyFilter
{
    [GeneratedRegex(@"\{\{|\}\}")]
    private static partial Regex SlotBraces();

    /// <summary>Every rule the text breaks, as short reasons (<c>too-long:71&gt;60</c>, <c>blocklisted:free</c>, <c>unresolved-slot:price</c>,
    /// <c>brand-misspelt:Sunco</c>); empty means safe.</summary>
    public static IReadOnlyList<string> Check(string text, CopyKind kind, CopyRules rules, IReadOnlyList<string>? unresolvedSlots = null)
    {
        var reasons = new List<string>();
        var max = kind == CopyKind.Headline ? rules.MaxHeadlineChars : rules.MaxCtaChars;
        if (text.Length > max) reasons.Add($"too-long:{text.Length}>{max}");
        if (string.IsNullOrWhiteSpace(text)) reasons.Add("empty");

        foreach (var word in rules.Blocklist)
            if (!string.IsNullOrWhiteSpace(word) && WholeWord(word).IsMatch(text))
                reasons.Add($"blocklisted:{word.ToLowerInvariant()}");

        foreach (var slot in unresolvedSlots ?? [])
            reasons.Add($"unresolved-slot:{slot}");
        if ((unresolvedSlots is null || unresolvedSlots.Count == 0) && SlotBraces().IsMatch(text))
            reasons.Add("unresolved-slot");

        foreach (var term in rules.BrandLexicon)
        {
            if (string.IsNullOrWhiteSpace(term)) continue;
            foreach (Match m in BrandVariants(term).Matches(text))
                if (!string.Equals(m.Value, term, StringComparison.Ordinal))
                    reasons.Add($"brand-misspelt:{m.Value}");
        }
        return reasons;
    }

    // \b fails next to non-word characters ("C++", "#1"), so word edges are spelled out as "no letter or digit on that side".
    private static Regex WholeWord(string word) =>
        new($@"(?<![\p{{L}}\p{{N}}_]){Regex.Escape(word.Trim())}(?![\p{{L}}\p{{N}}_])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    // Matches the term in any case and with stray spaces or hyphens inside ("sunco", "Sun Co", "SUN-CO"), so each match
    // that is not the exact lexicon spelling is a misspelling of the brand.
    private static Regex BrandVariants(string term)
    {
        var letters = term.Where(c => !char.IsWhiteSpace(c) && c != '-').Select(c => Regex.Escape(c.ToString()));
        var body = string.Join(@"[\s\-]?", letters);
        return new Regex($@"(?<![\p{{L}}\p{{N}}_]){body}(?![\p{{L}}\p{{N}}_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}
