namespace Fleet.Edge.Personalisation.Copy;

/// <summary>Which line of the ad a piece of copy fills; the length limits differ.</summary>
public enum CopyKind
{
    Headline,
    Cta,
}
