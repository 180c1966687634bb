using System.Collections.Concurrent;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Rendering;

/// <summary>Each campaign's template is prepared (imported for the fast path) once per process and reused by every render.</summary>
public sealed class PreparedTemplates(FfmpegRunner runner, string cacheRoot)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<PreparedTemplate>>> _prepared = new();

    public Task<PreparedTemplate> GetAsync(LoadedCampaign campaign) =>
        _prepared.GetOrAdd(campaign.Directory + "|" + campaign.Spec.Id,
            _ => new Lazy<Task<PreparedTemplate>>(() => new TemplatePreparer(runner).PrepareAsync(campaign, cacheRoot))).Value;
}
