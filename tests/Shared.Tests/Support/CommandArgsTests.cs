using Fleet.Shared.Cli;

namespace Fleet.Shared.Tests.Support;

public sealed class CommandArgsTests
{
    [Theory]
    [InlineData(new string[0], 720)]
    [InlineData(new[] { "--max-render-height", "1080" }, 1080)]
    [InlineData(new[] { "--max-render-height", "144" }, 144)]
    public void A_ranged_integer_option_takes_its_value_or_the_default(string[] argv, int expected) =>
        Assert.Equal(expected, CommandArgs.Parse(argv).GetInt("max-render-height", 720, 144, 4320));

    [Theory]
    [InlineData("5000", "--delegate-above-temp must be between 30 and 120 (°C)")]
    [InlineData("29", "--delegate-above-temp must be between 30 and 120 (°C)")]
    [InlineData("hot", "--delegate-above-temp must be a non-negative integer, got 'hot'")]
    public void A_ranged_integer_option_out_of_range_is_one_usage_line(string value, string message) =>
        Assert.Equal(message, Assert.Throws<UsageException>(() => CommandArgs.Parse(["--delegate-above-temp", value]).GetInt("delegate-above-temp", 80, 30, 120, "°C")).Message);
}
