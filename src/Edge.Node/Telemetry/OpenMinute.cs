namespace Fleet.Edge.Telemetry;

/// <summary>
/// A minute still being folded, as kept in the outbox database after every event (so a crash loses nothing). It holds
/// salted user hashes for counting distinct users; they stay on the device: sealing turns them into counts.
/// </summary>
public sealed record OpenMinute(DateTimeOffset Start, IReadOnlyDictionary<string, OpenGroup> Groups, IReadOnlyList<Fleet.Shared.Telemetry.ResourceSample> Samples,
    int QuarantinedAssets = 0)
{
    public static OpenMinute For(DateTimeOffset start) => new(start, new Dictionary<string, OpenGroup>(), Array.Empty<Fleet.Shared.Telemetry.ResourceSample>());

    public long Renders => Groups.Values.Sum(g => g.Renders);
}

/// <summary>Open counts for one (campaign, version, model, template) within a minute.</summary>
public sealed record OpenGroup(
    GroupKey Key,
    long Renders,
    long Successes,
    long CacheHits,
    long FallbackRenders,
    long SafetyBlocks,
    double AudioSeconds,
    IReadOnlyDictionary<string, long> Fallbacks,
    IReadOnlyDictionary<string, long> Encoders,
    IReadOnlyDictionary<string, double> StageMsSum,
    IReadOnlyDictionary<int, long> RenderMsBuckets,
    IReadOnlyDictionary<string, OpenVariant> Variants,
    IReadOnlyList<string> Users,
    IReadOnlyDictionary<string, Fleet.Shared.Telemetry.ArmCounts>? Arms = null,
    IReadOnlyDictionary<string, OpenLearning>? Learning = null)
{
    public static OpenGroup For(GroupKey key) => new(key, 0, 0, 0, 0, 0, 0, new Dictionary<string, long>(), new Dictionary<string, long>(),
        new Dictionary<string, double>(), new Dictionary<int, long>(), new Dictionary<string, OpenVariant>(), Array.Empty<string>());
}

/// <summary>Open counts for one variant, with the salted hashes of the users behind them.</summary>
public sealed record OpenVariant(long Renders, long Impressions, long Clicks, IReadOnlyList<string> Users, long Completes = 0, long DwellMsSum = 0)
{
    public static readonly OpenVariant Zero = new(0, 0, 0, Array.Empty<string>());
}

/// <summary>
/// Open counts for one (context bucket, copy variant) of personalised renders, keyed <c>bucket + "\n" + variant</c>, with
/// the salted hashes of the users behind them (for the same k-anonymity rule as variant rows).
/// </summary>
public sealed record OpenLearning(string Bucket, string VariantId, long Impressions, long Clicks, long Completes, IReadOnlyList<string> Users)
{
    // A method, not a property: the open minute is stored as JSON after every event, and a key needs no bytes there.
    public static string KeyOf(string bucket, string variantId) => bucket + "\n" + variantId;
}

/// <summary>The artifact versions telemetry is grouped by.</summary>
public sealed record GroupKey(string CampaignId, string CampaignVersion, string ModelVersion, string TemplateId)
{
    public string Text => $"{CampaignId}|{CampaignVersion}|{ModelVersion}|{TemplateId}";

    /// <summary>Legacy interactions (no render id) know only the campaign; they join the group of its latest render, or this one.</summary>
    public static GroupKey CampaignOnly(string campaignId) => new(campaignId, "", "", "");
}
