namespace Fleet.Shared.Learning;

/// <summary>
/// What the fleet learnt about one campaign version, sent to devices as the starting point of their bandit: per context
/// bucket and copy variant, impressions, clicks and views to the end merged from every device's k-anonymous uploads (never raw events).
/// </summary>
/// <param name="Devices">How many devices contributed.</param>
public sealed record FleetPrior(string CampaignId, string CampaignVersion, DateTimeOffset IssuedAt, int Devices, IReadOnlyList<PriorRow> Rows);

/// <summary>
/// Outcomes of one copy variant in one context bucket (e.g. <c>morning|sun|en|-</c>): impression starts, clicks (or
/// scans) and views to the end (view-through is a reward too). Clicks and completes are each at most the impressions.
/// </summary>
public sealed record PriorRow(string Bucket, string VariantId, long Impressions, long Clicks, long Completes = 0)
{
    /// <summary>The most rows one uploaded group may carry: buckets are coarse, so a device sees few per minute.</summary>
    public const int MaxPerGroup = 512;

    /// <summary>Null when the row is well formed (ids are identifiers, counts add up); otherwise why not.</summary>
    public string? Malformed()
    {
        if (!BucketKey.IsValid(Bucket)) return $"learning bucket '{Bucket}' is not a place/time bucket key";
        if (Fleet.Shared.Telemetry.TelemetryText.Id(VariantId) != VariantId || VariantId.Length == 0) return "a learning variant id is not an identifier";
        if (Impressions < 0 || Clicks < 0 || Completes < 0 || Clicks > Impressions || Completes > Impressions) return "learning row counts do not add up";
        return null;
    }
}

/// <summary>The shape of a context bucket key: four parts <c>[a-z0-9-]{1,24}</c> joined by <c>|</c> (daypart, weather, language, store).</summary>
public static class BucketKey
{
    public static bool IsValid(string? key)
    {
        if (key is null) return false;
        var parts = key.Split('|');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 24 && p.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'));
    }
}

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
            .Select(g => Capped(new PriorRow(g.Key.Bucket, g.Key.VariantId, g.Sum(r => r.Impressions), g.Sum(r => r.Clicks), g.Sum(r => r.Completes)), maxImpressions))
            .OrderBy(r => r.Bucket, StringComparer.Ordinal).ThenBy(r => r.VariantId, StringComparer.Ordinal)
            .ToList();

    private static PriorRow Capped(PriorRow r, long max)
    {
        if (r.Impressions <= max) return r;
        var scale = (double)max / r.Impressions;
        return r with { Impressions = max, Clicks = (long)Math.Round(r.Clicks * scale), Completes = (long)Math.Round(r.Completes * scale) };
    }
}
