using Fleet.Shared.Campaigns;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class SafetyFilterTests
{
    private static readonly CopyRules Rules = new()
    {
        MaxHeadlineChars = 30, MaxCtaChars = 12, Blocklist = ["free", "cure", "C++"], BrandLexicon = ["SunCo", "iBrew"],
    };

    [Theory]
    [InlineData("Great coffee at SunCo")]
    [InlineData("Freezing? Warm up inside")]      // "free" only as a whole word
    [InlineData("Secure your seat")]              // "cure" inside a word
    [InlineData("Try the iBrew blend")]
    public void Safe_copy_passes(string text) => Assert.Empty(SafetyFilter.Check(text, CopyKind.Headline, Rules));

    [Theory]
    [InlineData("FREE refills", "blocklisted:free")]
    [InlineData("Coffee, free.", "blocklisted:free")]
    [InlineData("Learn C++ today", "blocklisted:c++")]
    [InlineData("Visit Sunco today", "brand-misspelt:Sunco")]
    [InlineData("Visit SUNCO today", "brand-misspelt:SUNCO")]
    [InlineData("Visit Sun Co today", "brand-misspelt:Sun Co")]
    [InlineData("Try the IBrew blend", "brand-misspelt:IBrew")]
    [InlineData("Espresso for {{price}}", "unresolved-slot")]
    [InlineData("A headline far longer than thirty characters", "too-long:44>30")]
    public void Each_rule_blocks(string text, string reason) =>
        Assert.Contains(reason, SafetyFilter.Check(text, CopyKind.Headline, Rules));

    [Fact]
    public void Cta_uses_its_own_length_limit()
    {
        Assert.Empty(SafetyFilter.Check("Order now", CopyKind.Cta, Rules));
        Assert.Contains("too-long:13>12", SafetyFilter.Check("Order now ok!", CopyKind.Cta, Rules));
    }

    [Fact]
    public void Property_length_limit_holds_for_random_text()
    {
        var rng = new Random(1234);
        for (var i = 0; i < 500; i++)
        {
            var text = new string(Enumerable.Range(0, rng.Next(0, 60)).Select(_ => "abc xyz"[rng.Next(7)]).ToArray());
            var tooLong = SafetyFilter.Check(text, CopyKind.Headline, Rules).Any(r => r.StartsWith("too-long:"));
            Assert.Equal(text.Length > Rules.MaxHeadlineChars, tooLong);
        }
    }

    [Fact]
    public void Property_a_blocklisted_word_is_found_wherever_it_stands_between_spaces()
    {
        var rng = new Random(99);
        string[] words = ["great", "coffee", "today", "fresh"];
        for (var i = 0; i < 200; i++)
        {
            var parts = Enumerable.Range(0, rng.Next(0, 5)).Select(_ => words[rng.Next(words.Length)]).ToList();
            parts.Insert(rng.Next(parts.Count + 1), rng.Next(2) == 0 ? "FREE" : "Free");
            Assert.Contains("blocklisted:free", SafetyFilter.Check(string.Join(' ', parts), CopyKind.Headline, Rules with { MaxHeadlineChars = 500 }));
        }
    }
}
