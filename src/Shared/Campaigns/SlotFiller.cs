using System.Text.RegularExpressions;
using Fleet.Shared.Rendering;

namespace Fleet.Shared.Campaigns;

/// <summary>Fills <c>{{slot}}</c> placeholders: the device's local fields first, then the campaign's defaults.</summary>
public static partial class SlotFiller
{
    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")]
    private static partial Regex Slot();

    /// <summary>Slot values for this context: campaign defaults overlaid by the context's own fields.</summary>
    public static Dictionary<string, string> Values(CampaignSpec campaign, RenderContext context)
    {
        var values = new Dictionary<string, string>(campaign.FieldDefaults, StringComparer.Ordinal);
        foreach (var (k, v) in context.Fields)
            if (!string.IsNullOrWhiteSpace(v)) values[k] = v;
        return values;
    }

    /// <summary>Replaces every slot it has a value for; the names it could not fill are returned, their placeholders left in place.</summary>
    public static (string Text, IReadOnlyList<string> Unresolved) Fill(string text, IReadOnlyDictionary<string, string> values)
    {
        var unresolved = new List<string>();
        var filled = Slot().Replace(text, m =>
        {
            var name = m.Groups[1].Value;
            if (values.TryGetValue(name, out var value)) return value;
            unresolved.Add(name);
            return m.Value;
        });
        return (filled, unresolved);
    }

    /// <summary>Text with each slot replaced by its bare name, so "{{price}}" reads as the word "price" to the embedding model.</summary>
    public static string WithSlotNames(string text) => Slot().Replace(text, m => m.Groups[1].Value);
}
