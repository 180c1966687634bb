namespace Fleet.Shared.Campaigns;

/// <summary>Which line of the ad a piece of copy fills; the length limits differ.</summary>
public enum CopyKind
{
    Headline,
    Cta,
}
