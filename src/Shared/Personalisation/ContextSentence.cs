using Fleet.Shared.Rendering;

namespace Fleet.Shared.Personalisation;

/// <summary>Describes a render context as one English sentence for the embedding model. The user id is never part of it.</summary>
public static class ContextSentence
{
    /// <summary>E.g. "Morning, sunny weather, at the Harbour store, featuring espresso, croissants, for someone into coffee, locale en-GB."</summary>
    public static string Build(RenderContext context, DateTimeOffset now)
    {
        var parts = new List<string> { Capitalise(context.Daypart ?? Daypart(now)) };
        if (!string.IsNullOrWhiteSpace(context.Weather)) parts.Add($"{context.Weather} weather");
        if (!string.IsNullOrWhiteSpace(context.Store)) parts.Add($"at the {context.Store} store");
        if (context.InventoryHighlights.Count > 0) parts.Add("featuring " + string.Join(", ", context.InventoryHighlights));
        if (context.Interests.Count > 0) parts.Add("for someone into " + string.Join(", ", context.Interests));
        if (!string.IsNullOrWhiteSpace(context.Locale)) parts.Add($"locale {context.Locale}");
        return string.Join(", ", parts) + ".";
    }

    /// <summary>morning 05–11, afternoon 12–16, evening 17–21, night otherwise (device local time).</summary>
    public static string Daypart(DateTimeOffset now) => now.Hour switch
    {
        >= 5 and < 12 => "morning",
        >= 12 and < 17 => "afternoon",
        >= 17 and < 22 => "evening",
        _ => "night",
    };

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
