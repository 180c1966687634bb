namespace Fleet.Edge.Player;

/// <summary>
/// The events a kiosk player reports about one shown ad (one render id = one impression), and how they relate. Each
/// kind counts at most once per impression. Milestones happen in play order, so a later one implies the earlier ones:
/// <c>q50</c> arriving first also counts <c>impression_start</c> and <c>q25</c> (a player that missed or reordered a
/// report still gives consistent counts: q25 ≥ q50 ≥ q75 ≥ complete, and nothing exceeds impressions); the earlier
/// one arriving later is then a duplicate. <c>click</c> and <c>scan</c> share one slot (one response per impression);
/// <c>click</c>, <c>scan</c> and <c>dwell</c> imply <c>impression_start</c> only.
/// </summary>
public static class PlayerEventKinds
{
    public const string ImpressionStart = "impression_start";
    public const string Q25 = "q25";
    public const string Q50 = "q50";
    public const string Q75 = "q75";
    public const string Complete = "complete";
    public const string Click = "click";
    public const string Scan = "scan";
    public const string Dwell = "dwell";

    /// <summary>Longest engagement one impression may report (10 minutes); more is refused as malformed.</summary>
    public const long MaxDwellMs = 600_000;

    public static readonly IReadOnlyList<string> All = [ImpressionStart, Q25, Q50, Q75, Complete, Click, Scan, Dwell];

    private static readonly string[] Milestones = [ImpressionStart, Q25, Q50, Q75, Complete];

    /// <summary>The slot a kind is counted in: a scan is the kiosk's click.</summary>
    public static string Slot(string kind) => kind == Scan ? Click : kind;

    /// <summary>The slots one event of <paramref name="kind"/> fills, in play order (itself last).</summary>
    public static IReadOnlyList<string> Implied(string kind)
    {
        var i = Array.IndexOf(Milestones, kind);
        return i >= 0 ? Milestones[..(i + 1)] : [ImpressionStart, Slot(kind)];
    }

    /// <summary>The slots an event newly fills given those already <paramref name="counted"/>; empty for a duplicate.</summary>
    public static IReadOnlyList<string> NewlyCounted(IReadOnlyCollection<string> counted, string kind) =>
        Implied(kind).Where(s => !counted.Contains(s)).ToList();
}
