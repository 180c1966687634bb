using Fleet.Shared.Personalisation.Embedding;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class CopyChooserTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    public void Chooses_the_headline_that_fits_the_context(int seed)
    {
        var chooser = ChooserFixture.Create(seed);
        var campaign = CoffeeCampaign.Spec();
        Assert.Equal("h-coffee", chooser.Choose(campaign, "v1", CoffeeCampaign.Coffee).HeadlineId);
        Assert.Equal("h-umbrella", chooser.Choose(campaign, "v1", CoffeeCampaign.Rain).HeadlineId);
        Assert.Equal("h-iced", chooser.Choose(campaign, "v1", CoffeeCampaign.Heat).HeadlineId);
    }

    [Fact]
    public void Result_carries_provider_fields_and_timing()
    {
        var choice = ChooserFixture.Create().Choose(CoffeeCampaign.Spec(), "v1", CoffeeCampaign.Coffee);
        Assert.Equal("cpu", choice.Provider);
        Assert.Empty(choice.Fallbacks);
        Assert.Empty(choice.SafetyBlocks);
        Assert.Equal(choice.Headline, choice.Fields["headline"]);
        Assert.Equal(choice.Cta, choice.Fields["cta"]);
        Assert.Equal("£2.50", choice.Fields["price"]);
        Assert.True(choice.ChooseMs > 0);
        Assert.Contains(choice.CtaId, new[] { "c-order", "c-visit", "c-app" });
    }

    [Fact]
    public void Slots_are_filled_from_the_context_first_then_campaign_defaults()
    {
        var context = CoffeeCampaign.Coffee with { Fields = new Dictionary<string, string> { ["price"] = "£1.99" } };
        var choice = ChooserFixture.Create().Choose(CoffeeCampaign.Spec(), "v1", context);
        Assert.Equal("Fresh espresso for £1.99", choice.Headline);
        Assert.Equal("£1.99", choice.Fields["price"]);
        Assert.Equal("SunCo Harbour", choice.Fields["store"]);
    }

    [Fact]
    public void Variant_embeddings_are_computed_once_per_campaign_version()
    {
        var chooser = ChooserFixture.Create();
        var campaign = CoffeeCampaign.Spec();
        chooser.Choose(campaign, "manifest-a", CoffeeCampaign.Coffee);
        chooser.Choose(campaign, "manifest-a", CoffeeCampaign.Rain);
        Assert.Equal(1, chooser.Variants.Computed);
        chooser.Choose(campaign, "manifest-b", CoffeeCampaign.Rain);
        Assert.Equal(2, chooser.Variants.Computed);
    }

    [Theory]
    [InlineData("Fresh espresso for {{price}}, every single morning at the harbour", "too-long:")]
    [InlineData("FREE espresso refills", "blocklisted:free")]
    [InlineData("Espresso for members at {{member_price}}", "unresolved-slot:member_price")]
    [InlineData("Sunco espresso, fresh daily", "brand-misspelt:Sunco")]
    public void An_unsafe_best_headline_is_skipped_for_the_next_best(string coffeeText, string reason)
    {
        var headlines = CoffeeCampaign.Headlines.Select(h => h.Id == "h-coffee" ? h with { Text = coffeeText } : h).ToList();
        var choice = ChooserFixture.Create().Choose(CoffeeCampaign.Spec(headlines), "v1", CoffeeCampaign.Coffee);
        Assert.NotEqual("h-coffee", choice.HeadlineId);
        Assert.StartsWith("h-", choice.HeadlineId);
        Assert.Contains(choice.SafetyBlocks, b => b.StartsWith("h-coffee:" + reason, StringComparison.Ordinal));
        Assert.Empty(choice.Fallbacks);
    }

    [Fact]
    public void When_no_headline_is_safe_the_default_copy_is_used_with_its_slots_filled()
    {
        IReadOnlyList<CopyVariant> headlines = [new("h-1", "Free coffee"), new("h-2", "Guaranteed savings on {{nothing}}")];
        var choice = ChooserFixture.Create().Choose(CoffeeCampaign.Spec(headlines), "v-unsafe", CoffeeCampaign.Coffee);
        Assert.Equal("default-headline", choice.HeadlineId);
        Assert.Equal("Welcome to SunCo Harbour", choice.Headline);
        Assert.Contains("personalise:default-copy:no-safe-headline", choice.Fallbacks);
        Assert.Contains("h-1:blocklisted:free", choice.SafetyBlocks);
        Assert.Contains("h-2:unresolved-slot:nothing", choice.SafetyBlocks);
        Assert.StartsWith("c-", choice.CtaId);
    }

    private static readonly string[] SampleGrades = ["neutral", "warm", "cool"];

    private static readonly Fleet.Shared.Rendering.RenderContext BeachDay = new()
    {
        Daypart = "afternoon", Weather = "sunny", InventoryHighlights = ["sunglasses", "beach towels"], Interests = ["beach"],
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(42)]
    public void The_grade_is_chosen_for_the_context_among_the_templates_grades(int seed)
    {
        var chooser = ChooserFixture.Create(seed);
        var campaign = CoffeeCampaign.Spec();
        Assert.Equal("warm", chooser.Choose(campaign, "v1", BeachDay, grades: SampleGrades).Grade);
        Assert.Equal("cool", chooser.Choose(campaign, "v1", CoffeeCampaign.Rain, grades: SampleGrades).Grade);
        // Only what the template allows: one grade is no choice, none means neutral.
        Assert.Equal("cool", chooser.Choose(campaign, "v1", CoffeeCampaign.Heat, grades: ["cool"]).Grade);
        Assert.Equal("neutral", chooser.Choose(campaign, "v1", CoffeeCampaign.Heat).Grade);
    }

    [Fact]
    public void Clicks_on_renders_of_a_grade_teach_the_bandit_that_grade()
    {
        var chooser = ChooserFixture.Create(7);
        var campaign = CoffeeCampaign.Spec();
        const string bucket = "afternoon|sun|en|-";
        int Cool() => Enumerable.Range(0, 200).Count(_ => chooser.Choose(campaign, "v1", BeachDay, bucket, SampleGrades).Grade == "cool");
        var before = Cool();
        for (var i = 0; i < 300; i++)
        {
            chooser.Learn(campaign.Id, bucket, [Fleet.Edge.Personalisation.Copy.CopyChooser.GradeVariantId("warm")], new(Impressions: 1), null);
            chooser.Learn(campaign.Id, bucket, [Fleet.Edge.Personalisation.Copy.CopyChooser.GradeVariantId("cool")], new(Impressions: 1, Clicks: i % 3 == 0 ? 1 : 0), null);
        }
        var after = Cool();
        Assert.True(before < 40 && after > 150, $"cool chosen for a sunny beach afternoon: {before}/200 before, {after}/200 after its renders were clicked");
    }

    [Fact]
    public void A_corrupt_model_gives_the_default_copy_with_the_reason()
    {
        var embedder = MiniLmEmbedder.For(new MiniLmOptions(ModelFixtures.CorruptModelDir()));
        var context = CoffeeCampaign.Coffee with { Fields = new Dictionary<string, string> { ["store"] = "Quay" } };
        var choice = ChooserFixture.Create(embedder: embedder).Choose(CoffeeCampaign.Spec(), "v1", context);
        Assert.Equal("Welcome to Quay", choice.Headline);
        Assert.Equal("Come in", choice.Cta);
        Assert.Equal("none", choice.Provider);
        Assert.Equal(["personalise:default-copy:model-corrupt"], choice.Fallbacks);
        var graded = ChooserFixture.Create(embedder: embedder).Choose(CoffeeCampaign.Spec(), "v1", context, grades: ["warm", "cool"]);
        Assert.Equal("warm", graded.Grade); // without a model: neutral where allowed, else the template's first grade
    }

    [Fact]
    public void Many_clicks_on_a_variant_shift_the_choice_towards_it()
    {
        var chooser = ChooserFixture.Create(seed: 7);
        var campaign = CoffeeCampaign.Spec();
        Assert.Equal("h-coffee", chooser.Choose(campaign, "v1", CoffeeCampaign.Coffee).HeadlineId);
        for (var i = 0; i < 200; i++)
        {
            chooser.RecordImpression(campaign.Id, "h-sandwich");
            chooser.RecordImpression(campaign.Id, "h-coffee");
            if (i % 2 == 0) chooser.RecordClick(campaign.Id, "h-sandwich");
        }
        var picks = Enumerable.Range(0, 20).Select(_ => chooser.Choose(campaign, "v1", CoffeeCampaign.Coffee).HeadlineId).ToList();
        Assert.True(picks.Count(p => p == "h-sandwich") >= 18, string.Join(",", picks));
    }

    [Fact]
    public void Preview_fills_slots_and_applies_the_safety_filter_without_the_model()
    {
        var embedder = MiniLmEmbedder.For(new MiniLmOptions(ModelFixtures.CorruptModelDir()));
        var chooser = ChooserFixture.Create(embedder: embedder);
        var ok = chooser.ChoosePreview(CoffeeCampaign.Spec(), "h-coffee", "Visit {{store}} now", new RenderContext());
        Assert.Equal(("h-coffee", "Fresh espresso for £2.50"), (ok.HeadlineId, ok.Headline));
        Assert.Equal(("preview", "Visit SunCo Harbour now"), (ok.CtaId, ok.Cta));
        Assert.Equal("none", ok.Provider);
        Assert.Empty(ok.Fallbacks);

        var bad = chooser.ChoosePreview(CoffeeCampaign.Spec(), "Free sunco coffee", "c-order", new RenderContext());
        Assert.Equal("Welcome to SunCo Harbour", bad.Headline);
        Assert.Equal("Order now", bad.Cta);
        Assert.Contains("preview:blocklisted:free", bad.SafetyBlocks);
        Assert.Contains("preview:brand-misspelt:sunco", bad.SafetyBlocks);
        Assert.Contains("personalise:default-copy:preview-unsafe:blocklisted:free", bad.Fallbacks);
    }
}
