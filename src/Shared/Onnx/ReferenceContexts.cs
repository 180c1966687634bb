using Fleet.Shared.Personalisation;
using Fleet.Shared.Rendering;

namespace Fleet.Shared.Onnx;

/// <summary>
/// Render contexts a quantised model is checked on: a fixed, seeded spread over dayparts, weather, stores, highlights,
/// interests and locales, turned into the same sentences a device embeds (<see cref="ContextSentence"/>).
/// </summary>
public static class ReferenceContexts
{
    private static readonly string[] Dayparts = ["morning", "afternoon", "evening", "night"];
    private static readonly string[] Weather = ["sunny", "rainy", "cold", "hot", "windy", "snowy", "cloudy"];
    private static readonly string[] Stores = ["Harbour", "Central Station", "Airport", "Old Town", "Mall"];
    private static readonly string[] Highlights = ["espresso", "croissants", "iced tea", "sandwiches", "sunglasses", "umbrellas", "ice cream", "winter coats", "running shoes", "salads"];
    private static readonly string[] Interests = ["coffee", "fitness", "fashion", "travel", "music", "gaming", "healthy food", "deals", "family", "outdoors"];
    private static readonly string[] Locales = ["en-GB", "en-US", "de-DE", "pt-PT", "nb-NO"];

    /// <summary><paramref name="count"/> context sentences, the same for the same seed.</summary>
    public static IReadOnlyList<string> Sentences(int count, int seed = 15)
    {
        var rng = new Random(seed);
        var now = new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);
        var sentences = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var context = new RenderContext
            {
                Daypart = Dayparts[rng.Next(Dayparts.Length)],
                Weather = Weather[rng.Next(Weather.Length)],
                Store = rng.Next(3) == 0 ? null : Stores[rng.Next(Stores.Length)],
                InventoryHighlights = Pick(rng, Highlights, rng.Next(0, 3)),
                Interests = Pick(rng, Interests, rng.Next(0, 3)),
                Locale = Locales[rng.Next(Locales.Length)],
            };
            sentences.Add(ContextSentence.Build(context, now));
        }
        return sentences;
    }

    private static string[] Pick(Random rng, string[] pool, int n) => pool.OrderBy(_ => rng.Next()).Take(n).ToArray();
}
