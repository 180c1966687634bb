using System.Text.Json;
using Fleet.Cloud.Campaigns;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Commands;
using Fleet.Shared.Manifests;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Node.Tests.Campaigns;

/// <summary>How rollouts change the assignment table: canary pins, held baselines, withdrawn and staged versions, model overlays.</summary>
public sealed class CampaignOverlayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> NoTags = new();

    private static CampaignStoreState Run(CampaignStoreState s, (object Reply, IReadOnlyList<IFleetEvent> Events) d) => d.Events.Aggregate(s, (st, e) => st.Apply(e));

    private static CampaignStoreState TwoVersions(bool stageSecond = false)
    {
        var s = new CampaignStoreState();
        s = Run(s, s.Publish(new CampaignCommands.PublishVersion("a", "a", "h1", "{}", ["sha-1"], 10, "op"), T0));
        s = Run(s, s.Assign(new CampaignCommands.Assign("a", NoTags, "op"), T0));
        return Run(s, s.Publish(new CampaignCommands.PublishVersion("a", "a", "h2", "{}", ["sha-2"], 10, "op", stageSecond), T0));
    }

    private static int VersionFor(CampaignStoreState s, string device) => s.Table("{}").For(device, NoTags).Single().Version;

    [Fact]
    public void A_staged_version_reaches_no_device_until_a_rollout_pins_it()
    {
        var s = TwoVersions(stageSecond: true);
        Assert.Equal(1, VersionFor(s, "d1"));
        Assert.Equal(new[] { true, false }, s.Detail(s.Campaigns["a"]).Versions.Select(v => v.InForce));
        s = Run(s, s.SetOverlay(new ArtifactOverlay("r1", ArtifactKind.Campaign, "a", "2", null, ["d1"], NoTags, 1), T0));
        Assert.Equal(2, VersionFor(s, "d1"));
        Assert.Equal(1, VersionFor(s, "d2"));
        Assert.True(s.Table("{}").For("d2", NoTags).Single().Directed);
    }

    [Fact]
    public void A_rolled_back_version_is_withdrawn_and_devices_are_directed_back_down()
    {
        var s = TwoVersions();
        Assert.Equal(2, VersionFor(s, "d1"));
        s = Run(s, s.Mark(new CampaignCommands.MarkVersion("a", 2, true, "gates", "r1 rolled back"), T0));
        var row = s.Table("{}").For("d1", NoTags).Single();
        Assert.Equal((1, true), (row.Version, row.Directed));
        var (again, events) = s.Mark(new CampaignCommands.MarkVersion("a", 2, true, "gates", "again"), T0);
        Assert.Empty(events);
        Assert.IsType<CampaignReplies.OverlayApplied>(again);
    }

    [Fact]
    public void Only_a_retracted_version_no_rollout_directs_to_is_out_of_the_fleet()
    {
        var staged = TwoVersions(stageSecond: true);
        Assert.Empty(staged.Table("{}").WithdrawnVersions);
        Assert.False(staged.IsOutOfFleet("a", 2));

        var s = Run(TwoVersions(), TwoVersions().Mark(new CampaignCommands.MarkVersion("a", 2, true, "gates", "rolled back"), T0));
        Assert.Equal(new[] { new WithdrawnVersion("a", 2) }, s.Table("{}").WithdrawnVersions);
        Assert.True(s.IsOutOfFleet("a", 2));

        // A new rollout of that version directs its cohort to it again: it is served and no longer listed.
        s = Run(s, s.SetOverlay(new ArtifactOverlay("r2", ArtifactKind.Campaign, "a", "2", null, ["d1"], NoTags, 1), T0));
        Assert.Empty(s.Table("{}").WithdrawnVersions);
        Assert.False(s.IsOutOfFleet("a", 2));
        Assert.Equal(2, VersionFor(s, "d1"));
    }

    [Fact]
    public void Setting_the_same_overlay_twice_changes_nothing_and_clearing_restores_the_table()
    {
        var s = TwoVersions();
        var overlay = new ArtifactOverlay("r1", ArtifactKind.Campaign, "a", "2", null, ["d1"], NoTags, 1);
        s = Run(s, s.SetOverlay(overlay, T0));
        var revision = s.Revision;
        Assert.Empty(s.SetOverlay(overlay with { Devices = ["d1"] }, T0).Events);
        Assert.Equal(1, VersionFor(s, "d2"));
        s = Run(s, s.ClearOverlay("r1", T0));
        Assert.True(s.Revision > revision);
        Assert.Equal(2, VersionFor(s, "d2"));
        Assert.Empty(s.ClearOverlay("r1", T0).Events);
    }

    [Fact]
    public void A_model_overlay_opens_its_file_to_cohort_devices_only()
    {
        var s = TwoVersions();
        s = Run(s, s.PublishModel(new CampaignCommands.PublishModel("minilm", "2.0.0", "sha-model", 5, "op"), T0));
        s = Run(s, s.SetOverlay(new ArtifactOverlay("r1", ArtifactKind.Model, "minilm", "2.0.0", "sha-model", ["d1"], NoTags, null), T0));
        Assert.True(s.CheckDevice(new CampaignCommands.CheckDeviceAccess("d1", NoTags, null, "sha-model")).Allowed);
        Assert.False(s.CheckDevice(new CampaignCommands.CheckDeviceAccess("d2", NoTags, null, "sha-model")).Allowed);
        Assert.Equal("2.0.0", s.Table("{}").ModelFor("d1", NoTags, "minilm")!.Version);
        Assert.Null(s.Table("{}").ModelFor("d2", NoTags, "minilm"));
    }

    [Fact]
    public void Resolving_artifacts_names_what_is_missing_and_what_the_baseline_keeps()
    {
        var s = TwoVersions();
        var ok = Assert.IsType<CampaignReplies.ArtifactResolved>(s.Resolve(RolloutArtifact.Parse("campaign:a@2")));
        Assert.Equal(("a", 2, 1), (ok.CampaignId, ok.TargetVersion, ok.PreviousVersion));
        Assert.Equal(RefusalCode.NotFound, Assert.IsType<Refused>(s.Resolve(RolloutArtifact.Parse("campaign:a@9"))).Code);
        Assert.Equal(RefusalCode.NotFound, Assert.IsType<Refused>(s.Resolve(RolloutArtifact.Parse("campaign:zzz@1"))).Code);
        Assert.Equal(RefusalCode.NotFound, Assert.IsType<Refused>(s.Resolve(RolloutArtifact.Parse("model:minilm@9.9.9"))).Code);
        Assert.Equal(RefusalCode.Conflict, Assert.IsType<Refused>(s.Resolve(RolloutArtifact.Parse("campaign:a@1"))).Code);
    }

    [Fact]
    public void A_template_version_resolves_to_the_campaign_version_that_carries_it()
    {
        static string Draft(string templateSha) => JsonSerializer.Serialize(new Manifest
        {
            CampaignId = "a", Version = 0, Template = new ArtifactRef("a-template", "1.0.0+" + templateSha[..12], templateSha),
            Model = DefaultModel.Ref, Copy = new CopyPool([], []), DefaultCopy = new DefaultCopy("h", "c"), StaticCreative = "static.mp4",
            Assets = [], IssuedAt = DateTimeOffset.UnixEpoch, ExpiresAt = DateTimeOffset.UnixEpoch,
        }, FleetJson.Options);
        var s = new CampaignStoreState();
        s = Run(s, s.Publish(new CampaignCommands.PublishVersion("a", "a", "h1", Draft(new string('1', 64)), [], 10, "op"), T0));
        s = Run(s, s.Publish(new CampaignCommands.PublishVersion("a", "a", "h2", Draft(new string('2', 64)), [], 10, "op"), T0));

        var ok = Assert.IsType<CampaignReplies.ArtifactResolved>(s.Resolve(RolloutArtifact.Parse("template:a-template@1.0.0+222222222222")));
        Assert.Equal(("a", 2, 1), (ok.CampaignId, ok.TargetVersion, ok.PreviousVersion));
        Assert.Equal(RefusalCode.NotFound, Assert.IsType<Refused>(s.Resolve(RolloutArtifact.Parse("template:a-template@9.9.9"))).Code);
    }
}
