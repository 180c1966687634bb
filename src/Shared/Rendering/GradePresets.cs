namespace Fleet.Shared.Rendering;

/// <summary>Named colour grades as fixed filter chains; templates pick by name so no filter text ever comes from data.</summary>
public static class GradePresets
{
    public const string Neutral = "neutral";

    private static readonly IReadOnlyDictionary<string, string> Filters = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Neutral] = "",
        // One lookup table per plane, applied in YUV: colorbalance would convert every frame to RGB and back, ten times
        // the cost (1.4 s instead of 0.15 s for 90 frames of 720p here), which made a graded moving range slower than the
        // naive full re-encode. Warm and cool shift the chroma towards red/yellow or blue and scale saturation.
        ["warm"] = "lutyuv=u=(val-128)*1.12+120:v=(val-128)*1.12+136",
        ["cool"] = "lutyuv=u=(val-128)*0.95+134:v=(val-128)*0.95+124",
        ["vivid"] = "lutyuv=y=(val-128)*1.08+128:u=(val-128)*1.3+128:v=(val-128)*1.3+128",
    };

    // What each grade suits, in words the personalisation model compares with a context (like a copy variant's text and tags).
    private static readonly IReadOnlyDictionary<string, string> Moods = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Neutral] = "everyday look for any time and any weather (general)",
        ["warm"] = "hot sunny summer weather, warm golden sunshine at the beach (sun, heat, summer, beach)",
        ["cool"] = "grey rainy weather, wet streets, a calm blue night (rain, umbrella, night)",
        ["vivid"] = "bright, bold colours for fashion and weekend fun (fashion, weekend, outdoor)",
    };

    public static IEnumerable<string> Names => Filters.Keys;

    /// <summary><paramref name="chosen"/> if the template allows it, else neutral (where allowed) or the template's first grade.</summary>
    public static string AllowedOr(string chosen, IReadOnlyList<string> allowed) =>
        allowed.Contains(chosen) ? chosen : allowed.Contains(Neutral) || allowed.Count == 0 ? Neutral : allowed[0];

    /// <summary>What <paramref name="name"/> suits, for the model to rank grades by context.</summary>
    public static string MoodOf(string name) =>
        Moods.TryGetValue(name, out var m) ? m : throw new ArgumentException($"unknown grade '{name}'", nameof(name));

    public static bool IsKnown(string name) => Filters.ContainsKey(name);

    /// <summary>The filter chain for <paramref name="name"/>; empty for neutral.</summary>
    public static string FilterFor(string name) =>
        Filters.TryGetValue(name, out var f) ? f : throw new ArgumentException($"unknown grade '{name}'", nameof(name));
}
