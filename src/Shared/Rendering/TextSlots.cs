using System.Text.RegularExpressions;

namespace Fleet.Shared.Rendering;

/// <summary>Fills <c>{{field}}</c> slots; a field without a value becomes empty text, never the raw slot.</summary>
public static partial class TextSlots
{
    public static string Fill(string text, IReadOnlyDictionary<string, string> fields) =>
        SlotPattern().Replace(text, m => fields.TryGetValue(m.Groups[1].Value, out var v) ? v : "");

    /// <summary>Field names referenced by <paramref name="text"/>.</summary>
    public static IEnumerable<string> Names(string text) => SlotPattern().Matches(text).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"\{\{\s*([a-z0-9_]+)\s*\}\}")]
    private static partial Regex SlotPattern();
}
