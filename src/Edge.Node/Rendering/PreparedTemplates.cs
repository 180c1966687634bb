using System.Collections.Concurrent;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Rendering;

/// <summary>Each campaign's template is prepared (imported for the fast path) once per process and reused by every render.</summary>
public sealed class PreparedTemplates(FfmpegRunner runner, string cacheRoot)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<PreparedTemplate>>> _prepared = new();

    public async Task<PreparedTemplate> GetAsync(LoadedCampaign campaign)
    {
        var key = campaign.Directory + "|" + campaign.Spec.Id;
        var lazy = _prepared.GetOrAdd(key, _ => new Lazy<Task<PreparedTemplate>>(() => new TemplatePreparer(runner).PrepareAsync(campaign, cacheRoot)));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            _prepared.TryRemove(new KeyValuePair<string, Lazy<Task<PreparedTemplate>>>(key, lazy)); // a failed import is retried next time
            throw;
        }
    }
}
