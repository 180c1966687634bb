using System.Text.Json;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Personalisation.Bandit;

/// <summary>
/// Impressions, clicks and views to the end per campaign variant on this device, campaign-wide and per context bucket
/// (<see cref="ContextBucket"/>), in one small JSON file under the data folder. Holds only variant ids, bucket keys,
/// counts and salted user hashes (for reach); never a raw user id.
/// </summary>
public sealed class OutcomeStore
{
    /// <summary>File name inside <c>&lt;data&gt;/personalisation/</c>.</summary>
    public const string FileName = "outcomes.json";

    // Reach is a count of distinct hashed users; capping the set keeps the file small on a busy kiosk.
    private const int MaxReachPerCampaign = 10_000;

    // A bucket key has four coarse parts, so a device sees few; the cap only guards the file against a player that
    // sends ever-new store names. Outcomes of buckets past it still count campaign-wide.
    private const int MaxBucketsPerCampaign = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, CampaignOutcomes> _campaigns;

    public OutcomeStore(string dataDir)
    {
        Path = System.IO.Path.Combine(dataDir, "personalisation", FileName);
        _campaigns = Load(Path);
    }

    /// <summary>Full path of the JSON file.</summary>
    public string Path { get; }

    public VariantStats Get(string campaignId, string variantId)
    {
        lock (_gate)
            return _campaigns.TryGetValue(campaignId, out var c) && c.Variants.TryGetValue(variantId, out var s) ? s : VariantStats.None;
    }

    /// <summary>Outcomes of a variant within one context bucket.</summary>
    public VariantStats Get(string campaignId, string bucket, string variantId)
    {
        lock (_gate)
            return _campaigns.TryGetValue(campaignId, out var c) && c.Buckets.TryGetValue(bucket, out var b) && b.TryGetValue(variantId, out var s)
                ? s : VariantStats.None;
    }

    /// <summary>
    /// What the bandit ranks a variant on in a bucket: the bucket's own outcomes plus the campaign's outcomes in every
    /// other bucket, scaled down to at most <paramref name="poolImpressions"/> impressions
    /// (<see cref="BanditOptions.PoolImpressions"/>). A new or thin bucket starts from what the campaign learnt elsewhere;
    /// once it has hundreds of impressions of its own, those decide.
    /// </summary>
    public VariantStats Pooled(string campaignId, string bucket, string variantId, long poolImpressions)
    {
        var own = Get(campaignId, bucket, variantId);
        var all = Get(campaignId, variantId);
        var elsewhere = new VariantStats(Math.Max(0, all.Impressions - own.Impressions), Math.Max(0, all.Clicks - own.Clicks),
            Math.Max(0, all.Completes - own.Completes));
        return own + elsewhere.Capped(poolImpressions);
    }

    /// <summary>Distinct hashed users that saw this campaign (capped).</summary>
    public int Reach(string campaignId)
    {
        lock (_gate) return _campaigns.TryGetValue(campaignId, out var c) ? c.Reach.Count : 0;
    }

    /// <param name="userHash">Salted hash from <see cref="Privacy.UserIdHasher"/>, or null.</param>
    public void RecordImpression(string campaignId, string variantId, string? userHash = null) =>
        Record(campaignId, null, [variantId], new VariantStats(Impressions: 1), userHash);

    public void RecordClick(string campaignId, string variantId, string? userHash = null) =>
        Record(campaignId, null, [variantId], new VariantStats(Clicks: 1), userHash);

    /// <summary>Adds <paramref name="delta"/> to each variant campaign-wide and, unless null, in <paramref name="bucket"/>; one write.</summary>
    public void Record(string campaignId, string? bucket, IEnumerable<string> variantIds, VariantStats delta, string? userHash = null)
    {
        lock (_gate)
        {
            if (!_campaigns.TryGetValue(campaignId, out var campaign))
                _campaigns[campaignId] = campaign = new CampaignOutcomes();
            Dictionary<string, VariantStats>? inBucket = null;
            if (bucket is not null && !campaign.Buckets.TryGetValue(bucket, out inBucket) && campaign.Buckets.Count < MaxBucketsPerCampaign)
                campaign.Buckets[bucket] = inBucket = new();
            foreach (var id in variantIds.Distinct())
            {
                campaign.Variants[id] = (campaign.Variants.GetValueOrDefault(id) ?? VariantStats.None) + delta;
                if (inBucket is not null) inBucket[id] = (inBucket.GetValueOrDefault(id) ?? VariantStats.None) + delta;
            }
            if (userHash is not null && campaign.Reach.Count < MaxReachPerCampaign) campaign.Reach.Add(userHash);
            Save();
        }
    }

    // Write to a temp file and rename, so a power cut leaves either the old or the new file, never half of one.
    private void Save()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var tmp = Path + ".tmp";
        // Compact, not indented: the file is rewritten on every counted event, and its size is the cost.
        File.WriteAllText(tmp, JsonSerializer.Serialize(_campaigns, FleetJson.Options));
        File.Move(tmp, Path, overwrite: true);
    }

    private static Dictionary<string, CampaignOutcomes> Load(string path)
    {
        if (!File.Exists(path)) return new();
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, CampaignOutcomes>>(File.ReadAllText(path), FleetJson.Options) ?? new();
        }
        catch (JsonException)
        {
            // Outcomes only tune exploration; a damaged file is set aside rather than blocking ads.
            File.Move(path, path + ".corrupt", overwrite: true);
            return new();
        }
    }

    private sealed class CampaignOutcomes
    {
        public Dictionary<string, VariantStats> Variants { get; set; } = new();
        /// <summary>Per context bucket, per variant (older files have none: they load with an empty map).</summary>
        public Dictionary<string, Dictionary<string, VariantStats>> Buckets { get; set; } = new();
        public HashSet<string> Reach { get; set; } = new();
    }
}
