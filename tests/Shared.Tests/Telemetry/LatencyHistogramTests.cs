using Fleet.Shared.Telemetry;

namespace Fleet.Shared.Tests.Telemetry;

/// <summary>Properties of the mergeable histogram, checked over many seeded random samples.</summary>
public sealed class LatencyHistogramTests
{
    private static IEnumerable<double[]> Samples(int seed, int cases)
    {
        var rng = new Random(seed);
        for (var c = 0; c < cases; c++)
        {
            var n = rng.Next(0, 400);
            // Log-uniform 0.5 ms .. 60 s, like render times spanning cache hits to delegated renders.
            yield return Enumerable.Range(0, n).Select(_ => Math.Exp(rng.NextDouble() * Math.Log(120_000)) * 0.5).ToArray();
        }
    }

    private static LatencyHistogram Of(IEnumerable<double> values) => values.Aggregate(LatencyHistogram.Empty, (h, v) => h.Add(v));

    [Fact]
    public void Merge_is_commutative_associative_and_equals_the_histogram_of_all_values()
    {
        var rng = new Random(7);
        foreach (var a in Samples(1, 150))
        {
            var b = Samples(rng.Next(), 1).First();
            var c = Samples(rng.Next(), 1).First();
            var (ha, hb, hc) = (Of(a), Of(b), Of(c));
            Assert.True(LatencyHistogram.Merge(ha, hb).SameAs(LatencyHistogram.Merge(hb, ha)));
            Assert.True(LatencyHistogram.Merge(LatencyHistogram.Merge(ha, hb), hc).SameAs(LatencyHistogram.Merge(ha, LatencyHistogram.Merge(hb, hc))));
            Assert.True(LatencyHistogram.Merge(LatencyHistogram.Merge(ha, hb), hc).SameAs(Of(a.Concat(b).Concat(c))));
            Assert.Equal(a.Length + b.Length, LatencyHistogram.Merge(ha, hb).Count);
            Assert.True(LatencyHistogram.Merge(ha, LatencyHistogram.Empty).SameAs(ha));
        }
    }

    [Theory]
    [InlineData(0.50)]
    [InlineData(0.95)]
    [InlineData(0.99)]
    public void Quantiles_of_merged_parts_are_within_the_bucket_error_of_the_exact_value(double q)
    {
        foreach (var all in Samples(3, 200).Where(s => s.Length > 0))
        {
            var split = all.Length / 3;
            var merged = LatencyHistogram.Merge(Of(all[..split]), Of(all[split..]));
            var sorted = all.Order().ToArray();
            var exact = sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];
            var estimate = merged.Quantile(q)!.Value;
            if (exact <= 1) { Assert.Equal(1, estimate); continue; }
            var error = Math.Abs(estimate - exact) / exact;
            Assert.True(error <= 0.04 + 1e-9, $"q{q}: exact {exact:0.###} estimate {estimate:0.###} error {error:P2}");
        }
    }

    [Fact]
    public void An_empty_histogram_has_no_quantiles_and_huge_values_land_in_the_last_bucket()
    {
        Assert.Null(LatencyHistogram.Empty.Quantile(0.5));
        Assert.Equal(LatencyHistogram.MaxBucket, LatencyHistogram.BucketOf(1e12));
        Assert.Equal(0, LatencyHistogram.BucketOf(double.NaN));
    }
}
