namespace Fleet.Edge.Personalisation.Bandit;

/// <summary>Local outcomes of one copy variant on this device.</summary>
public sealed record VariantStats(long Impressions = 0, long Clicks = 0)
{
    public static readonly VariantStats None = new();
}
