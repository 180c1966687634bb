using System.Collections.Concurrent;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Rendering;

/// <summary>Each campaign's template is prepared (imported for the fast path) once per process and reused by every render.</summary>
public sealed class PreparedTemplates(FfmpegRunner runner, string cacheRoot)
{
    private readonly ConcurrentDictionary<string, Entry> _prepared = new();

    public async Task<PreparedTemplate> GetAsync(LoadedCampaign campaign)
    {
        var key = campaign.Directory + "|" + campaign.Spec.Id;
        var entry = _prepared.GetOrAdd(key, _ => new Entry(campaign, new Lazy<Task<PreparedTemplate>>(() => new TemplatePreparer(runner).PrepareAsync(campaign, cacheRoot))));
        try
        {
            return await entry.Prepared.Value;
        }
        catch
        {
            _prepared.TryRemove(new KeyValuePair<string, Entry>(key, entry)); // a failed import is retried next time
            throw;
        }
    }

    /// <summary>
    /// Prepares the campaign a synced version's folder holds, before it goes into force, so its first render costs what
    /// every other does. Answers null when prepared, else why not (the first render then prepares it, or falls back).
    /// </summary>
    public async Task<string?> PrepareAheadAsync(string folder)
    {
        try
        {
            await GetAsync(CampaignLoader.LoadDirectory(folder));
            return null;
        }
        catch (Exception e) when (e is Shared.Cli.FleetException or IOException or InvalidOperationException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Drops (from memory and disk) every preparation built from the file <paramref name="path"/> or content
    /// <paramref name="sha256"/>, which just failed verification; returns the campaign ids it served.
    /// </summary>
    public IReadOnlyList<string> Forget(string path, string sha256)
    {
        var forgotten = new List<string>();
        foreach (var (key, entry) in _prepared)
        {
            // Synced campaigns link each asset as assets/<sha256> to the store; a campaign folder names its own files.
            if (!entry.Campaign.AssetPaths.Values.Any(p => Path.GetFileName(p) == sha256 || Path.GetFullPath(p) == path)) continue;
            if (!_prepared.TryRemove(new KeyValuePair<string, Entry>(key, entry))) continue;
            forgotten.Add(entry.Campaign.Spec.Id);
            if (entry.Prepared.IsValueCreated && entry.Prepared.Value.IsCompletedSuccessfully) Delete(entry.Prepared.Value.Result.Directory);
        }
        // A preparation is named after its hero's sha256 (TemplatePreparer); one made from these bytes in an earlier run goes too.
        if (Directory.Exists(cacheRoot))
            foreach (var dir in Directory.EnumerateDirectories(cacheRoot, sha256 + "-*")) Delete(dir);
        return forgotten;
    }

    private static void Delete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private sealed record Entry(LoadedCampaign Campaign, Lazy<Task<PreparedTemplate>> Prepared);
}
