using Fleet.Cloud.Bench;
using Fleet.Cloud.Telemetry;
using Fleet.Shared.Learning;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Node.Tests.Learning;

/// <summary>The ingest check on learning rows: a batch with a malformed row is rejected as a whole, as for arm rows.</summary>
public sealed class LearningIngestTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    private static TelemetryAggregate With(params PriorRow[] rows)
    {
        var a = SyntheticOutcomes.WithArms(T0, "summer-sale", "3", "minilm@1", new ArmCounts(ArmCounts.Personalised, 10, 9, 8, 7, 6, 2, 100),
            ArmCounts.Zero(ArmCounts.Holdout));
        return a with { Groups = [a.Groups[0] with { Learning = rows }] };
    }

    [Fact]
    public void Well_formed_learning_rows_pass()
    {
        Assert.Null(TelemetryStore.Malformed(With(new PriorRow("morning|sun|en|-", "h-a", 10, 2, 6), new PriorRow("morning|sun|en|-", "c-b", 10, 2, 6))));
    }

    [Theory]
    [InlineData("morning|sun|en", "h-a", 10, 2, 6, "is not a place/time bucket key")]
    [InlineData("morning|sun|en|user-42@example.com", "h-a", 10, 2, 6, "is not a place/time bucket key")]
    [InlineData("morning|sun|en|-", "Hello there", 10, 2, 6, "variant id is not an identifier")]
    [InlineData("morning|sun|en|-", "h-a", 10, 11, 6, "counts do not add up")]
    [InlineData("morning|sun|en|-", "h-a", 10, 2, 11, "counts do not add up")]
    [InlineData("morning|sun|en|-", "h-a", -1, 0, 0, "counts do not add up")]
    public void A_malformed_learning_row_rejects_the_batch(string bucket, string variant, long impressions, long clicks, long completes, string why)
    {
        Assert.Contains(why, TelemetryStore.Malformed(With(new PriorRow(bucket, variant, impressions, clicks, completes))));
    }

    [Fact]
    public void Too_many_or_repeated_learning_rows_reject_the_batch()
    {
        var many = Enumerable.Range(0, PriorRow.MaxPerGroup + 1).Select(i => new PriorRow($"morning|sun|en|s{i}", "h-a", 1, 0, 0)).ToArray();
        Assert.Equal("too many learning rows", TelemetryStore.Malformed(With(many)));
        Assert.Equal("a learning row is listed twice",
            TelemetryStore.Malformed(With(new PriorRow("morning|sun|en|-", "h-a", 1, 0, 0), new PriorRow("morning|sun|en|-", "h-a", 1, 0, 0))));
    }
}
