using System.Collections.Concurrent;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Rendering;

/// <summary>
/// Hybrid mode's bases on this device: per (campaign, version, height) the prepared template a cloud worker made, fetched
/// once and kept under <c>&lt;data&gt;/renders/bases</c>; renders draw their personalised ranges on it locally. Concurrent
/// asks for one base share one fetch; a failed fetch is not remembered, the next render asks again.
/// </summary>
public sealed class CloudBases(CloudRenderClient cloud, string root)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<(PreparedTemplate? Prepared, string? Reason)>>> _fetching = new(StringComparer.Ordinal);

    public async Task<(PreparedTemplate? Prepared, string? Reason)> GetAsync(string campaignId, string campaignVersion, int height, CancellationToken ct)
    {
        if (!int.TryParse(campaignVersion, out var version)) return (null, "local-campaign"); // a campaign folder has no cloud copy
        var folder = Path.Combine(root, $"{campaignId}-v{version}-{height}p");
        if (TemplatePreparer.TryLoad(folder) is { } ready) return (ready, null);
        var lazy = _fetching.GetOrAdd(folder, f => new Lazy<Task<(PreparedTemplate?, string?)>>(() => cloud.BaseAsync(campaignId, version, height, f, ct)));
        try
        {
            return await lazy.Value;
        }
        finally
        {
            _fetching.TryRemove(new KeyValuePair<string, Lazy<Task<(PreparedTemplate?, string?)>>>(folder, lazy));
        }
    }
}
