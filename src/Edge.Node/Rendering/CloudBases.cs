using System.Collections.Concurrent;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Rendering;

/// <summary>
/// Hybrid mode's bases on this device: per (campaign, version, height) the prepared template a cloud worker made, fetched
/// once and kept under <c>&lt;data&gt;/renders/bases</c>; renders draw their personalised ranges on it locally. Concurrent
/// asks for one base share one fetch; a failed fetch leaves no folder behind and is not remembered, the next render asks
/// again. Like the manifest cache, a campaign keeps the bases of its current and previous version only.
/// </summary>
public sealed class CloudBases(CloudRenderClient cloud, string root)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<(PreparedTemplate? Prepared, string? Reason)>>> _fetching = new(StringComparer.Ordinal);

    public async Task<(PreparedTemplate? Prepared, string? Reason)> GetAsync(string campaignId, string campaignVersion, int height, CancellationToken ct)
    {
        if (!int.TryParse(campaignVersion, out var version)) return (null, "local-campaign"); // a campaign folder has no cloud copy
        var folder = Path.Combine(root, $"{campaignId}-v{version}-{height}p");
        if (TemplatePreparer.TryLoad(folder) is { } ready) return (ready, null);
        var lazy = _fetching.GetOrAdd(folder, f => new Lazy<Task<(PreparedTemplate?, string?)>>(() => FetchAsync(campaignId, version, height, f, ct)));
        try
        {
            return await lazy.Value;
        }
        finally
        {
            _fetching.TryRemove(new KeyValuePair<string, Lazy<Task<(PreparedTemplate?, string?)>>>(folder, lazy));
        }
    }

    private async Task<(PreparedTemplate? Prepared, string? Reason)> FetchAsync(string campaignId, int version, int height, string folder, CancellationToken ct)
    {
        var fetched = await cloud.BaseAsync(campaignId, version, height, folder, ct);
        if (fetched.Prepared is null) TryDelete(folder);
        else Prune(root, campaignId, version);
        return fetched;
    }

    /// <summary>Deletes this campaign's bases older than the version before <paramref name="newest"/>.</summary>
    public static void Prune(string root, string campaignId, int newest)
    {
        foreach (var dir in Directory.EnumerateDirectories(root, $"{campaignId}-v*"))
        {
            var rest = Path.GetFileName(dir)[(campaignId.Length + 2)..];
            var dash = rest.IndexOf('-');
            // Only "<campaign>-v<N>-<height>p": another campaign's id may start with this one's.
            if (dash > 0 && rest.Length > dash + 2 && rest[^1] == 'p' && int.TryParse(rest[(dash + 1)..^1], out _)
                && int.TryParse(rest[..dash], out var v) && v < newest - 1)
                TryDelete(dir);
        }
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
