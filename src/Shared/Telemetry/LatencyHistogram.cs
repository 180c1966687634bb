namespace Fleet.Shared.Telemetry;

/// <summary>
/// A mergeable latency histogram with fixed logarithmic buckets (each 8 % wider than the last, 1 ms .. ~2 h), so
/// p50/p95/p99 come out within 4 % of the exact value, and merging two histograms is adding their counts. Sparse:
/// only non-empty buckets are kept (bucket index → count). Immutable; every operation returns a new value.
/// </summary>
public sealed record LatencyHistogram(IReadOnlyDictionary<int, long> Buckets)
{
    public const double Growth = 1.08;
    public const int MaxBucket = 200;

    public static readonly LatencyHistogram Empty = new(new Dictionary<int, long>());

    public long Count => Buckets.Values.Sum();

    /// <summary>Bucket i holds values in (Growth^(i-1), Growth^i]; everything at or under 1 ms is bucket 0.</summary>
    public static int BucketOf(double ms)
    {
        if (double.IsNaN(ms) || ms <= 1) return 0;
        return Math.Min(MaxBucket, (int)Math.Ceiling(Math.Log(ms) / Math.Log(Growth) - 1e-9));
    }

    /// <summary>The value a bucket reports: the geometric middle of its range.</summary>
    public static double ValueOf(int bucket) => bucket <= 0 ? 1 : Math.Pow(Growth, bucket - 0.5);

    public LatencyHistogram Add(double ms, long count = 1)
    {
        var b = new Dictionary<int, long>(Buckets);
        var i = BucketOf(ms);
        b[i] = b.GetValueOrDefault(i) + count;
        return new LatencyHistogram(b);
    }

    public static LatencyHistogram Merge(LatencyHistogram a, LatencyHistogram b)
    {
        var m = new Dictionary<int, long>(a.Buckets);
        foreach (var (i, c) in b.Buckets) m[i] = m.GetValueOrDefault(i) + c;
        return new LatencyHistogram(m);
    }

    /// <summary>The q-quantile (0..1) by nearest rank; null for an empty histogram.</summary>
    public double? Quantile(double q)
    {
        var total = Count;
        if (total == 0) return null;
        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        foreach (var (i, c) in Buckets.OrderBy(kv => kv.Key))
        {
            seen += c;
            if (seen >= rank) return ValueOf(i);
        }
        return ValueOf(Buckets.Keys.Max());
    }

    public bool SameAs(LatencyHistogram other) =>
        Buckets.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key).SequenceEqual(other.Buckets.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key));
}
