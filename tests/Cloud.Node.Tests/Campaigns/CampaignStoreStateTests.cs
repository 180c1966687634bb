using Fleet.Cloud.Campaigns;
using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Node.Tests.Campaigns;

public sealed class CampaignStoreStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CampaignCommands.PublishVersion Publish(string id, string hash, params string[] shas) => new(id, id, hash, "{}", shas, 10, "op");

    private static CampaignStoreState Run(CampaignStoreState s, IEnumerable<IFleetEvent> events) => events.Aggregate(s, (st, e) => st.Apply(e));

    [Fact]
    public void Versions_are_numbered_and_the_same_content_returns_the_existing_version()
    {
        var s = new CampaignStoreState();
        var (r1, e1) = s.Publish(Publish("a", "h1"), T0);
        s = Run(s, e1);
        var (r2, e2) = s.Publish(Publish("a", "h2"), T0);
        s = Run(s, e2);
        var (r3, e3) = s.Publish(Publish("a", "h1"), T0);
        Assert.Equal((1, true), (((CampaignReplies.Published)r1).Version, ((CampaignReplies.Published)r1).Created));
        Assert.Equal(2, ((CampaignReplies.Published)r2).Version);
        Assert.Equal((1, false), (((CampaignReplies.Published)r3).Version, ((CampaignReplies.Published)r3).Created));
        Assert.Empty(e3);
    }

    [Fact]
    public void Devices_see_only_campaigns_whose_assignment_tags_they_all_carry()
    {
        var s = new CampaignStoreState();
        s = Run(s, s.Publish(Publish("a", "h1", "sha-a"), T0).Events);
        s = Run(s, s.Publish(Publish("b", "h2", "sha-b"), T0).Events);
        s = Run(s, s.Assign(new CampaignCommands.Assign("a", new Dictionary<string, string> { ["store"] = "berlin", ["hw"] = "pi5" }, "op"), T0).Events);
        s = Run(s, s.Assign(new CampaignCommands.Assign("b", new Dictionary<string, string>(), "op"), T0).Events);
        var berlin = new Dictionary<string, string> { ["store"] = "berlin", ["hw"] = "pi5", ["x"] = "y" };
        var berlinOther = new Dictionary<string, string> { ["store"] = "berlin" };
        Assert.Equal(new[] { "a", "b" }, s.Table("{}").For("d", berlin).Select(a => a.CampaignId));
        Assert.Equal(new[] { "b" }, s.Table("{}").For("d", berlinOther).Select(a => a.CampaignId));
        Assert.True(s.CheckDevice(new CampaignCommands.CheckDeviceAccess("d", berlin, "a", null)).Allowed);
        Assert.False(s.CheckDevice(new CampaignCommands.CheckDeviceAccess("d", berlinOther, "a", null)).Allowed);
        Assert.False(s.CheckDevice(new CampaignCommands.CheckDeviceAccess("d", berlinOther, null, "sha-a")).Allowed);
        Assert.True(s.CheckDevice(new CampaignCommands.CheckDeviceAccess("d", berlinOther, null, "sha-b")).Allowed);
    }

    [Fact]
    public void Assigning_an_unknown_campaign_is_refused_and_the_same_assignment_twice_adds_nothing()
    {
        var s = new CampaignStoreState();
        Assert.Equal(RefusalCode.NotFound, Assert.IsType<Refused>(s.Assign(new CampaignCommands.Assign("x", new Dictionary<string, string>(), "op"), T0).Reply).Code);
        s = Run(s, s.Publish(Publish("a", "h1"), T0).Events);
        var tags = new Dictionary<string, string> { ["store"] = "oslo" };
        s = Run(s, s.Assign(new CampaignCommands.Assign("a", tags, "op"), T0).Events);
        Assert.Empty(s.Assign(new CampaignCommands.Assign("a", tags, "op"), T0).Events);
    }

    [Fact]
    public void A_manifest_is_re_signed_when_unsigned_its_key_is_gone_or_it_nears_expiry()
    {
        var created = new CampaignEvents.VersionCreated("a", "a", 1, "h", "{}", [], 0, T0, "op");
        var signed = new CampaignEvents.ManifestSigned("a", 1, "{}", "k1", T0.AddDays(30));
        var renew = TimeSpan.FromDays(7);
        Assert.True(CampaignStoreState.NeedsSigning(new(created, null), _ => true, T0, renew));
        Assert.False(CampaignStoreState.NeedsSigning(new(created, signed), k => k == "k1", T0, renew));
        Assert.True(CampaignStoreState.NeedsSigning(new(created, signed), _ => false, T0, renew));
        Assert.True(CampaignStoreState.NeedsSigning(new(created, signed), _ => true, T0.AddDays(24), renew));
    }

    [Fact]
    public void Copy_review_decisions_survive_a_snapshot_and_the_latest_decision_per_variant_counts()
    {
        var s = Run(new CampaignStoreState(), [
            new CampaignEvents.VariantReviewed("a", 1, "h1", false, "alice", "operator", "claims", T0),
            new CampaignEvents.VariantReviewed("a", 1, "h1", true, "bob", "admin", "fixed upstream", T0.AddMinutes(1)),
            new CampaignEvents.VariantReviewed("a", 2, "h1", false, "alice", "operator", "typo", T0),
        ]);
        var json = System.Text.Json.JsonSerializer.Serialize(s.ToSnapshot(), FleetJson.Options);
        var back = CampaignStoreState.FromSnapshot(System.Text.Json.JsonSerializer.Deserialize<CampaignsSnapshot>(json, FleetJson.Options)!);
        Assert.Equal(2, back.Reviews.Count);
        Assert.Equal((true, "bob"), (back.Reviews[CopyReview.Key("a", 1, "h1")].Approved, back.Reviews[CopyReview.Key("a", 1, "h1")].By));
        Assert.Equal("typo", back.Reviews[CopyReview.Key("a", 2, "h1")].Why);
        // A snapshot taken before reviews existed has none.
        Assert.Empty(CampaignStoreState.FromSnapshot(new CampaignsSnapshot([], [], [], 0)).Reviews);
    }
}
