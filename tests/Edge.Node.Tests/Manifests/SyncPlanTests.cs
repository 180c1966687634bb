using Fleet.Edge.Manifests;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Security;

namespace Fleet.Edge.Node.Tests.Manifests;

public sealed class SyncPlanTests
{
    private static readonly Dictionary<string, string> NoTags = new();

    [Fact]
    public void A_campaign_whose_stored_assets_were_quarantined_is_fetched_again_at_its_running_version()
    {
        var trust = TrustSet.Empty.WithKey("k1", System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportSubjectPublicKeyInfo());
        var current = new Dictionary<string, RunningCampaign> { ["summer"] = new("summer", 3, "k1", DateTimeOffset.MaxValue) };
        IReadOnlyList<Assignment> mine = [new("summer", 3, NoTags)];
        Assert.Empty(SyncPlan.ToFetch(mine, current, trust));
        var row = Assert.Single(SyncPlan.ToFetch(mine, current, trust, new HashSet<string> { "summer" }));
        Assert.Equal(("summer", 3), (row.CampaignId, row.Version));
        Assert.Null(SyncPlan.RefuseSwap(current["summer"], row, "summer", 3));
    }
}
