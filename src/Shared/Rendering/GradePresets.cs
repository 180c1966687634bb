namespace Fleet.Shared.Rendering;

/// <summary>Named colour grades as fixed filter chains; templates pick by name so no filter text ever comes from data.</summary>
public static class GradePresets
{
    public const string Neutral = "neutral";

    private static readonly IReadOnlyDictionary<string, string> Filters = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Neutral] = "",
        ["warm"] = "colorbalance=rs=0.08:gs=0.02:bs=-0.08,eq=saturation=1.12",
        ["cool"] = "colorbalance=rs=-0.06:gs=0.0:bs=0.08,eq=saturation=0.95",
        ["vivid"] = "eq=contrast=1.08:saturation=1.3",
    };

    public static IEnumerable<string> Names => Filters.Keys;

    public static bool IsKnown(string name) => Filters.ContainsKey(name);

    /// <summary>The filter chain for <paramref name="name"/>; empty for neutral.</summary>
    public static string FilterFor(string name) =>
        Filters.TryGetValue(name, out var f) ? f : throw new ArgumentException($"unknown grade '{name}'", nameof(name));
}
