using Fleet.Shared.Stats;

namespace Fleet.Bench;

/// <summary>Medians and tails of a list of timings, as the benchmarks print them.</summary>
public sealed record Stats(int Count, double P50, double P95, double P99, double Max)
{
    public static Stats Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = values.Order().ToArray();
        return new Stats(sorted.Length, At(sorted, 0.50), At(sorted, 0.95), At(sorted, 0.99), sorted[^1]);
    }

    private static double At(double[] sorted, double p) => Percentiles.NearestRank(sorted, p)!.Value;
}
