namespace Fleet.Shared.Stats;

/// <summary>The one percentile rule used for every latency Fleet reports: nearest rank over sorted values.</summary>
public static class Percentiles
{
    public static double? NearestRank(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
