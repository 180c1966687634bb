namespace Fleet.Shared.Learning;

/// <summary>
/// What the fleet learnt about one campaign version, sent to devices as the starting point of their bandit: per context
/// bucket and copy variant, impressions and clicks merged from every device's k-anonymous uploads (never raw events).
/// </summary>
/// <param name="Devices">How many devices contributed.</param>
public sealed record FleetPrior(string CampaignId, string CampaignVersion, DateTimeOffset IssuedAt, int Devices, IReadOnlyList<PriorRow> Rows);

/// <summary>Outcomes of one copy variant in one context bucket (e.g. <c>morning|sun|en</c>).</summary>
public sealed record PriorRow(string Bucket, string VariantId, long Impressions, long Clicks);

public static class FleetPriors
{
    /// <summary>
    /// The most pseudo-impressions a prior row is worth on a device: the fleet's rate is kept, its weight bounded, so a
    /// device whose audience differs still moves away from it within a few hundred impressions of its own.
    /// </summary>
    public const long DefaultMaxImpressions = 500;

    /// <summary>Sums rows by (bucket, variant), then scales each row down to at most <paramref name="maxImpressions"/>.</summary>
    public static IReadOnlyList<PriorRow> Merge(IEnumerable<PriorRow> rows, long maxImpressions = DefaultMaxImpressions) =>
        rows.GroupBy(r => (r.Bucket, r.VariantId))
            .Select(g => Capped(new PriorRow(g.Key.Bucket, g.Key.VariantId, g.Sum(r => r.Impressions), g.Sum(r => r.Clicks)), maxImpressions))
            .OrderBy(r => r.Bucket, StringComparer.Ordinal).ThenBy(r => r.VariantId, StringComparer.Ordinal)
            .ToList();

    private static PriorRow Capped(PriorRow r, long max)
    {
        if (r.Impressions <= max) return r;
        var scale = (double)max / r.Impressions;
        return r with { Impressions = max, Clicks = (long)Math.Round(r.Clicks * scale) };
    }
}
