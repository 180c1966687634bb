using System.Collections.Concurrent;
using System.Text.Json;
using Fleet.Shared.Learning;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Personalisation.Bandit;

/// <summary>
/// The fleet priors this device holds, one verified <see cref="FleetPrior"/> per campaign (the version in force) in
/// <c>&lt;data&gt;/personalisation/priors/&lt;campaign&gt;.json</c>. Only the prior sync writes here, and only after the
/// prior verified against the device's trust set; the chooser reads, picking up a new file when it changes.
/// </summary>
public sealed class PriorFiles(string dataDir)
{
    public const string FolderName = "priors";

    private readonly ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);

    public string Folder { get; } = System.IO.Path.Combine(dataDir, "personalisation", FolderName);

    public string PathOf(string campaignId) => System.IO.Path.Combine(Folder, campaignId + ".json");

    /// <summary>Writes the prior atomically (temp file, then rename): a power cut leaves the old or the new one.</summary>
    public void Save(FleetPrior prior)
    {
        Directory.CreateDirectory(Folder);
        var path = PathOf(prior.CampaignId);
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(prior, FleetJson.Options));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Forgets a campaign's prior (its version left force and the new one has none yet).</summary>
    public void Remove(string campaignId) => File.Delete(PathOf(campaignId));

    /// <summary>The held prior of a campaign, or null.</summary>
    public FleetPrior? For(string campaignId)
    {
        var path = PathOf(campaignId);
        DateTime stamp;
        try { stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue; }
        catch (IOException) { return null; }
        if (stamp == DateTime.MinValue) { _held.TryRemove(campaignId, out _); return null; }
        if (_held.TryGetValue(campaignId, out var h) && h.Stamp == stamp) return h.Prior;
        var prior = Load(path);
        _held[campaignId] = new Held(stamp, prior, prior?.Rows.ToDictionary(r => (r.Bucket, r.VariantId)) ?? new());
        return prior;
    }

    /// <summary>
    /// The prior's outcomes for a variant in a bucket (already capped by <see cref="FleetPriors.Merge"/> in the cloud),
    /// or none: a device without a prior ranks exactly as before.
    /// </summary>
    public VariantStats Row(string campaignId, string bucket, string variantId) => RowsOf(campaignId)(bucket, variantId);

    /// <summary>A lookup of the campaign's prior rows, read once (one file check per choice, not per variant).</summary>
    public Func<string, string, VariantStats> RowsOf(string campaignId)
    {
        if (For(campaignId) is null || !_held.TryGetValue(campaignId, out var h) || h.Rows.Count == 0) return static (_, _) => VariantStats.None;
        return (bucket, variantId) => h.Rows.TryGetValue((bucket, variantId), out var r) ? new VariantStats(r.Impressions, r.Clicks, r.Completes) : VariantStats.None;
    }

    private static FleetPrior? Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<FleetPrior>(File.ReadAllBytes(path), FleetJson.Options) is { Rows: not null } p ? p : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            // A prior only sets where exploration starts; a damaged file is ignored (the next sync replaces it).
            return null;
        }
    }

    private sealed record Held(DateTime Stamp, FleetPrior? Prior, Dictionary<(string, string), PriorRow> Rows);
}
