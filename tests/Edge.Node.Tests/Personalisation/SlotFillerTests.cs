using Fleet.Shared.Campaigns;
using Fleet.Shared.Personalisation;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class SlotFillerTests
{
    [Fact]
    public void Fills_known_slots_and_reports_the_rest()
    {
        var (text, unresolved) = SlotFiller.Fill("{{ price }} at {{store}} for {{who}}", new Dictionary<string, string> { ["price"] = "£2", ["store"] = "Quay" });
        Assert.Equal("£2 at Quay for {{who}}", text);
        Assert.Equal(["who"], unresolved);
    }

    [Fact]
    public void Values_overlay_context_fields_on_campaign_defaults_ignoring_blank_ones()
    {
        var context = CoffeeCampaign.Coffee with { Fields = new Dictionary<string, string> { ["price"] = "£1", ["store"] = " " } };
        var values = SlotFiller.Values(CoffeeCampaign.Spec(), context);
        Assert.Equal("£1", values["price"]);
        Assert.Equal("SunCo Harbour", values["store"]);
    }

    [Fact]
    public void Property_no_placeholder_survives_when_every_slot_has_a_value()
    {
        var rng = new Random(5);
        string[] names = ["price", "store", "city", "day"];
        var values = names.ToDictionary(n => n, n => n.ToUpperInvariant());
        for (var i = 0; i < 300; i++)
        {
            var template = string.Join(" ", Enumerable.Range(0, rng.Next(1, 6)).Select(_ => rng.Next(2) == 0 ? "word" : $"{{{{{names[rng.Next(names.Length)]}}}}}"));
            var (text, unresolved) = SlotFiller.Fill(template, values);
            Assert.Empty(unresolved);
            Assert.DoesNotContain("{{", text);
        }
    }

    [Fact]
    public void Context_sentence_describes_the_signals_but_never_the_user_id()
    {
        var sentence = ContextSentence.Build(CoffeeCampaign.Coffee with { UserId = "alice@example.com" }, DateTimeOffset.Now);
        Assert.Equal("Morning, cold weather, at the Harbour store, featuring espresso, cappuccino, for someone into coffee, locale en-GB.", sentence);
        Assert.Equal("Evening.", ContextSentence.Build(new Fleet.Shared.Rendering.RenderContext(), new DateTimeOffset(2025, 1, 1, 19, 0, 0, TimeSpan.Zero)));
    }
}
