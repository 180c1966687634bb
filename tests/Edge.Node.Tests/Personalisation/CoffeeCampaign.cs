using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Node.Tests.Personalisation;

/// <summary>A small hand-written campaign and contexts whose best headline is obvious to a person.</summary>
internal static class CoffeeCampaign
{
    public static CampaignSpec Spec(IReadOnlyList<CopyVariant>? headlines = null, DefaultCopy? defaultCopy = null) => new()
    {
        Id = "sunco-spring",
        Name = "SunCo spring",
        Headlines = headlines ?? Headlines,
        Ctas =
        [
            new("c-order", "Order now", ["buy", "order"]),
            new("c-visit", "Visit {{store}} today", ["store", "visit"]),
            new("c-app", "Scan for the SunCo app", ["app", "loyalty"]),
        ],
        DefaultCopy = defaultCopy ?? new DefaultCopy("Welcome to {{store}}", "Come in"),
        Rules = new CopyRules { MaxHeadlineChars = 60, MaxCtaChars = 32, Blocklist = ["free", "guaranteed"], BrandLexicon = ["SunCo"] },
        FieldDefaults = new Dictionary<string, string> { ["price"] = "£2.50", ["store"] = "SunCo Harbour" },
        StaticCreative = "static.mp4",
        Assets = [],
    };

    public static readonly IReadOnlyList<CopyVariant> Headlines =
    [
        new("h-coffee", "Fresh espresso for {{price}}", ["coffee", "espresso", "breakfast"]),
        new("h-iced", "Cool down with an iced lemonade", ["cold drinks", "summer", "heat"]),
        new("h-umbrella", "Stay dry: umbrellas in stock", ["rain", "umbrella"]),
        new("h-sandwich", "Hearty sandwiches for lunch", ["lunch", "food"]),
    ];

    public static RenderContext Coffee => new()
    {
        Locale = "en-GB",
        Daypart = "morning",
        Weather = "cold",
        Store = "Harbour",
        InventoryHighlights = ["espresso", "cappuccino"],
        Interests = ["coffee"],
    };

    public static RenderContext Rain => new()
    {
        Locale = "en-GB",
        Daypart = "afternoon",
        Weather = "heavy rain",
        Store = "Harbour",
        InventoryHighlights = ["umbrellas", "raincoats"],
        Interests = ["staying dry"],
    };

    public static RenderContext Heat => new()
    {
        Locale = "en-GB",
        Daypart = "afternoon",
        Weather = "hot and sunny",
        InventoryHighlights = ["lemonade", "iced tea"],
        Interests = ["cold drinks"],
    };
}
