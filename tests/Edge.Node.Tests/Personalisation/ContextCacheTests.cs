using Fleet.Shared.Personalisation.Embedding;

namespace Fleet.Edge.Node.Tests.Personalisation;

/// <summary>
/// A kiosk's context changes a few times an hour while ads render continuously: a repeated context must skip inference.
/// (How long a choice takes is measured by <c>fleet-bench render</c>, stage <c>personalise</c>, not asserted here.)
/// </summary>
public sealed class ContextCacheTests
{
    [Fact]
    public void A_repeated_context_is_answered_from_the_cache_and_a_new_one_pays_for_one_inference()
    {
        var chooser = ChooserFixture.Create(embedder: MiniLmEmbedder.For(MiniLmOptions.Default));
        var campaign = CoffeeCampaign.Spec();
        var bases = new[] { CoffeeCampaign.Coffee, CoffeeCampaign.Rain, CoffeeCampaign.Heat };
        var first = bases.Select(c => chooser.Choose(campaign, "v1", c)).ToList();
        var hits = chooser.Contexts.Hits;

        for (var i = 0; i < 30; i++) chooser.Choose(campaign, "v1", bases[i % 3]);
        Assert.Equal(hits + 30, chooser.Contexts.Hits);

        for (var i = 0; i < 5; i++) chooser.Choose(campaign, "v1", bases[i % 3] with { Store = $"store {i}" });
        Assert.Equal(hits + 30, chooser.Contexts.Hits);
        // The model really ran for the first three (the cache holds real vectors, not a default-copy shortcut).
        Assert.All(first, c => Assert.NotEqual(Fleet.Edge.Personalisation.Copy.Fallbacks.NoProvider, c.Provider));
    }
}
