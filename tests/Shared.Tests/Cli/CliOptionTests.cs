using System.CommandLine;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Tests.Cli;

/// <summary>The option conventions every Fleet program shares, parsed by the real parser.</summary>
public sealed class CliOptionTests
{
    private static readonly Option<int> Temp = CliOption.Int("--delegate-above-temp", 80, "t", 30, 120, "°C");
    private static readonly Option<int> Keep = CliOption.Int("--keep", 5, "k", min: 1);
    private static readonly Option<string?> Data = CliOption.Text("--data", "d");
    private static readonly Option<string[]> Gateway = CliOption.Many("--gateway", "g");

    private static ParseResult Parse(params string[] argv) => new Command("verb") { Temp, Keep, Data, Gateway }.Parse(argv);

    [Theory]
    [InlineData(new string[0], 80)]
    [InlineData(new[] { "--delegate-above-temp", "100" }, 100)]
    [InlineData(new[] { "--delegate-above-temp=30" }, 30)]
    [InlineData(new[] { "--delegate-above-temp", "50", "--delegate-above-temp", "90" }, 90)]
    public void A_ranged_integer_takes_its_last_value_or_the_default(string[] argv, int expected)
    {
        var r = Parse(argv);
        Assert.Empty(r.Errors);
        Assert.Equal(expected, r.GetValue(Temp));
    }

    [Theory]
    [InlineData("--delegate-above-temp", "5000", "--delegate-above-temp must be between 30 and 120 (°C)")]
    [InlineData("--delegate-above-temp", "29", "--delegate-above-temp must be between 30 and 120 (°C)")]
    [InlineData("--delegate-above-temp", "hot", "--delegate-above-temp must be a non-negative integer, got 'hot'")]
    [InlineData("--keep", "0", "--keep must be at least 1")]
    public void A_bad_integer_is_one_error_in_fleet_words(string option, string value, string message) =>
        Assert.Equal(message, Assert.Single(Parse(option, value).Errors).Message);

    [Fact]
    public void A_repeated_text_option_takes_the_last_value_and_a_repeatable_one_keeps_all()
    {
        var r = Parse("--data", "a", "--gateway", "g1:1", "--data=b", "--gateway=g2:2");
        Assert.Empty(r.Errors);
        Assert.Equal("b", r.GetValue(Data));
        Assert.Equal(["g1:1", "g2:2"], r.GetValue(Gateway)!);
    }

    [Fact]
    public void An_unknown_option_and_a_stray_word_are_parse_errors()
    {
        Assert.Contains("--bogus", Parse("--bogus").UnmatchedTokens);
        Assert.Contains("extra", Parse("--data", "a", "extra").UnmatchedTokens);
    }
}
