using Fleet.Shared.Distribution;
using Fleet.Shared.Security;

namespace Fleet.Edge.Manifests;

/// <summary>Pure decisions of the manifests actor: what to fetch, and whether a fetched version may replace the current one.</summary>
public static class SyncPlan
{
    /// <summary>One row per assigned campaign whose newest version is ahead of ours, or whose current signature lost its key.</summary>
    public static IReadOnlyList<Assignment> ToFetch(IReadOnlyList<Assignment> mine, IReadOnlyDictionary<string, RunningCampaign> current, TrustSet trust) =>
        mine.GroupBy(a => a.CampaignId, StringComparer.Ordinal)
            .Select(g => g.MaxBy(a => a.Version)!)
            .Where(a => !current.TryGetValue(a.CampaignId, out var c)
                        || a.Version > c.Version
                        || (a.Version == c.Version && !trust.Keys.ContainsKey(c.Kid)))
            .OrderBy(a => a.CampaignId, StringComparer.Ordinal)
            .ToList();

    /// <summary>Devices never go back: a verified manifest replaces the current one only at the same or a higher version.</summary>
    public static string? RefuseSwap(RunningCampaign? current, string requestedCampaign, int requestedVersion, string campaignId, int version)
    {
        if (campaignId != requestedCampaign) return $"asked for {requestedCampaign} but the manifest is for {campaignId}";
        if (version != requestedVersion) return $"asked for v{requestedVersion} but the manifest is v{version}";
        if (current is not null && version < current.Version) return $"v{version} is older than the running v{current.Version}";
        return null;
    }
}
