namespace Fleet.Edge.Personalisation.Bandit;

/// <summary>Local outcomes of one copy variant on this device: impressions started, clicks (or scans) and views to the end.</summary>
public sealed record VariantStats(long Impressions = 0, long Clicks = 0, long Completes = 0)
{
    public static readonly VariantStats None = new();

    public static VariantStats operator +(VariantStats a, VariantStats b) =>
        new(a.Impressions + b.Impressions, a.Clicks + b.Clicks, a.Completes + b.Completes);

    /// <summary>
    /// The bandit's successes: a click is worth 1, a view to the end <paramref name="viewThroughWeight"/> (views are
    /// common and cheap, clicks rare and the goal), never more than the impressions.
    /// </summary>
    public double Rewards(double viewThroughWeight) => Math.Min(Impressions, Clicks + viewThroughWeight * Completes);

    /// <summary>The same rates on at most <paramref name="maxImpressions"/> impressions (a bounded-weight prior).</summary>
    public VariantStats Capped(long maxImpressions)
    {
        if (Impressions <= maxImpressions) return this;
        var scale = (double)maxImpressions / Impressions;
        return new(maxImpressions, (long)Math.Round(Clicks * scale), (long)Math.Round(Completes * scale));
    }
}
