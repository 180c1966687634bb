using Fleet.Shared.Learning;

namespace Fleet.Shared.Tests.Learning;

public sealed class FleetPriorsTests
{
    [Fact]
    public void Merging_sums_each_bucket_and_variant_and_caps_a_row_at_the_maximum_weight_keeping_its_rate()
    {
        var rows = new[]
        {
            new PriorRow("morning|sun|en", "h-a", 300, 30),
            new PriorRow("morning|sun|en", "h-a", 700, 50),
            new PriorRow("morning|sun|en", "h-b", 40, 1),
            new PriorRow("evening|rain|de", "h-a", 10, 0),
        };
        var merged = FleetPriors.Merge(rows, maxImpressions: 500);
        Assert.Equal(
            [new PriorRow("evening|rain|de", "h-a", 10, 0), new PriorRow("morning|sun|en", "h-a", 500, 40), new PriorRow("morning|sun|en", "h-b", 40, 1)],
            merged);
    }
}
