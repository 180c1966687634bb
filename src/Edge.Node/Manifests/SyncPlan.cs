using Fleet.Shared.Campaigns;
using Fleet.Shared.Security;

namespace Fleet.Edge.Manifests;

/// <summary>Pure decisions of the manifests actor: what to fetch, and whether a fetched version may replace the current one.</summary>
public static class SyncPlan
{
    /// <summary>
    /// One row per assigned campaign whose version is ahead of ours (or, when a rollout directs it, different from ours),
    /// or whose current signature lost its key, or whose current version lacks stored assets (<paramref name="damaged"/>:
    /// quarantined after a failed check; fetching the same version again restores them).
    /// </summary>
    public static IReadOnlyList<Assignment> ToFetch(IReadOnlyList<Assignment> mine, IReadOnlyDictionary<string, RunningCampaign> current, TrustSet trust,
        IReadOnlySet<string>? damaged = null) =>
        mine.GroupBy(a => a.CampaignId, StringComparer.Ordinal)
            .Select(g => g.MaxBy(a => a.Version)!)
            .Where(a => !current.TryGetValue(a.CampaignId, out var c)
                        || a.Version > c.Version
                        || (a.Directed && a.Version != c.Version)
                        || (a.Version == c.Version && (!trust.Keys.ContainsKey(c.Kid) || damaged?.Contains(a.CampaignId) == true)))
            .OrderBy(a => a.CampaignId, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Devices never go back on their own: a verified manifest replaces the current one only at the same or a higher
    /// version, unless the control plane directed this version (a rollout's hold or rollback).
    /// </summary>
    public static string? RefuseSwap(RunningCampaign? current, Assignment requested, string campaignId, int version)
    {
        if (campaignId != requested.CampaignId) return $"asked for {requested.CampaignId} but the manifest is for {campaignId}";
        if (version != requested.Version) return $"asked for v{requested.Version} but the manifest is v{version}";
        if (current is not null && version < current.Version && !requested.Directed) return $"v{version} is older than the running v{current.Version}";
        return null;
    }
}
