using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Rollouts;
using Fleet.Shared.Cli;
using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Node.Tests.Rollouts;

/// <summary>
/// Each artifact kind on its own: how it is written and checked, how the campaign store resolves it, which devices take
/// part, what directs them and what the gates measure; and an unknown kind refused where operators type it.
/// </summary>
public sealed class ArtifactKindTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> NoTags = new();
    private static readonly string Sha = new('c', 64);

    private static CampaignStoreState Run(CampaignStoreState s, (object Reply, IReadOnlyList<IFleetEvent> Events) d) => d.Events.Aggregate(s, (st, e) => st.Apply(e));

    /// <summary>Campaign "sale" with v1 in force and v2 published, and model minilm@2.0.0.</summary>
    private static CampaignStoreState Store()
    {
        var s = new CampaignStoreState();
        s = Run(s, s.Publish(new CampaignCommands.PublishVersion("sale", "sale", "h1", "{}", [], 10, "op"), T0));
        s = Run(s, s.Publish(new CampaignCommands.PublishVersion("sale", "sale", "h2", "{}", [], 10, "op"), T0));
        return Run(s, s.PublishModel(new CampaignCommands.PublishModel("minilm", "2.0.0", Sha, 10, "op"), T0));
    }

    private static RolloutEvents.Started Started(CampaignReplies.ArtifactResolved r) => new("r1", r.Artifact, r.CampaignId, r.TargetVersion,
        r.PreviousVersion, r.ModelSha256, r.Previous, [50, 100], TimeSpan.FromMinutes(5), NoTags, [], 20, TimeSpan.FromMinutes(30),
        TimeSpan.FromMinutes(10), "op", "why", T0);

    private static RolloutEvents.Started Resolved(string artifact) =>
        Started(Assert.IsType<CampaignReplies.ArtifactResolved>(Store().Resolve(RolloutArtifact.Parse(artifact))));

    private static DeviceSyncReport Report(int saleVersion, params DeviceModel[] models) =>
        new("d1", [new RunningCampaign("sale", saleVersion, "k1", T0.AddDays(1))], [], T0, models);

    [Theory]
    [InlineData("campaign:sale@3", "campaign")]
    [InlineData("model:minilm@2.0.0", "model")]
    [InlineData("template:sale-template@1.0.0+abc", "template")]
    public void Every_kind_parses_and_writes_back_the_same_text(string text, string kind)
    {
        var artifact = RolloutArtifact.Parse(text);
        Assert.Same(ArtifactKind.Find(kind), artifact.Kind);
        Assert.Equal(text, artifact.ToString());
    }

    [Theory]
    [InlineData("campaign:sale@v3", "--artifact 'campaign:sale@v3': a campaign version is a number such as 3")]
    [InlineData("campaign:sale@0", "--artifact 'campaign:sale@0': a campaign version is a number such as 3")]
    [InlineData("model:minilm@2", "--artifact 'model:minilm@2': '2' is not a semantic version")]
    [InlineData("model:Bad Name@2.0.0", "--artifact 'model:Bad Name@2.0.0': 'Bad Name' is not a valid name (a-z 0-9 . _ -)")]
    public void Each_kind_checks_its_own_name_and_version(string text, string error) =>
        Assert.Equal(error, Assert.Throws<UsageException>(() => RolloutArtifact.Parse(text)).Message);

    [Fact]
    public void Usage_text_lists_every_kind_once()
    {
        Assert.Equal("campaign:ID@VERSION|model:NAME@VERSION|template:NAME@VERSION", ArtifactKind.Forms);
        Assert.Equal("campaign:ID@VERSION, model:NAME@VERSION or template:NAME@VERSION", ArtifactKind.FormsInWords);
        Assert.Equal(ArtifactKind.All.Count, ArtifactKind.All.Select(k => k.Name).Distinct().Count());
    }

    [Theory]
    [InlineData("widget:sale@3")]
    [InlineData("Campaign:sale@3")]
    public void An_unknown_kind_is_refused_where_the_api_and_the_cli_read_it_in_one_line(string artifact)
    {
        // RolloutEndpoints.ToCommand is what both the HTTP endpoint and `rollout start` turn a request into a command with.
        var e = Assert.Throws<UsageException>(() => RolloutEndpoints.ToCommand(new RolloutEndpoints.StartRequest(artifact, null, null, null, null, null, null, null, "r"), "op"));
        Assert.Equal($"--artifact '{artifact}': unknown kind '{artifact[..artifact.IndexOf(':')]}'; expected {ArtifactKind.FormsInWords}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_campaign_version_resolves_against_the_version_in_force_before_it()
    {
        var def = Resolved("campaign:sale@2");
        Assert.Equal(("sale", 2, 1, "sale v1"), (def.CampaignId, def.TargetVersion, def.PreviousVersion, def.Previous));
        Assert.Equal("campaign 'sale' has no version 7", Assert.IsType<Refused>(Store().Resolve(RolloutArtifact.Parse("campaign:sale@7"))).Reason);
    }

    [Fact]
    public void A_model_resolves_to_its_published_sha_and_the_model_manifests_name()
    {
        var def = Resolved("model:minilm@2.0.0");
        Assert.Equal((null, Sha, "minilm as each manifest names it"), (def.CampaignId, def.ModelSha256, def.Previous));
        Assert.Equal("model minilm@9.9.9 is not published (fleet-cloud model publish)",
            Assert.IsType<Refused>(Store().Resolve(RolloutArtifact.Parse("model:minilm@9.9.9"))).Reason);
    }

    [Fact]
    public void A_template_no_campaign_version_carries_is_not_found() =>
        Assert.Equal("template nobody@1.0.0 belongs to no campaign version",
            Assert.IsType<Refused>(Store().Resolve(RolloutArtifact.Parse("template:nobody@1.0.0"))).Reason);

    [Fact]
    public void A_campaign_rollout_takes_only_devices_that_run_the_campaign_and_judges_the_target_version()
    {
        var def = Resolved("campaign:sale@2");
        var kind = def.Artifact.Kind;
        Assert.True(kind.Eligible(def, Report(1)));
        Assert.False(kind.Eligible(def, new DeviceSyncReport("d1", [], [], T0)));
        Assert.False(kind.Eligible(def, null));
        Assert.False(kind.RunsTarget(def, Report(1)));
        Assert.True(kind.RunsTarget(def, Report(2)));
        Assert.Equal("bad-signature: no", kind.FailureOf(def, new DeviceSyncReport("d1", [], [new SyncRejection("sale", 2, "bad-signature", "no", T0)], T0)));
        Assert.Equal(new CanaryScope("sale", "2", null), kind.Canary(def));
        Assert.Equal(("sale", 2), kind.Reviewed(def));
    }

    [Fact]
    public void A_model_rollout_takes_every_tagged_device_and_judges_renders_with_the_model()
    {
        var def = Resolved("model:minilm@2.0.0");
        var kind = def.Artifact.Kind;
        Assert.True(kind.Eligible(def, null));
        Assert.False(kind.RunsTarget(def, Report(1)));
        Assert.True(kind.RunsTarget(def, Report(1, new DeviceModel("minilm", "2.0.0", null))));
        Assert.Equal("load failed", kind.FailureOf(def, Report(1, new DeviceModel("minilm", "2.0.0", "load failed"))));
        Assert.Equal(new CanaryScope(null, null, "minilm@2.0.0"), kind.Canary(def));
        Assert.Null(kind.Reviewed(def));
    }

    [Fact]
    public void A_campaign_rollout_overlays_the_cohort_then_marks_the_version_when_it_ends()
    {
        var def = Resolved("campaign:sale@2");
        var running = Assert.IsType<CampaignCommands.SetOverlay>(Assert.Single(def.Artifact.Kind.Directives(def, RolloutStatus.Running, ["d1"], "gates"))).Overlay;
        Assert.Equal((ArtifactKind.Campaign, "sale", "2", 1), (running.Kind, running.Name, running.Version, running.HoldVersion));
        Assert.Equal(["d1"], running.Devices!);
        var rolledBack = def.Artifact.Kind.Directives(def, RolloutStatus.RolledBack, ["d1"], "gates");
        Assert.Equal(new CampaignCommands.MarkVersion("sale", 2, true, "gates", "r1 rolled-back"), rolledBack[0]);
        Assert.Equal(new CampaignCommands.ClearOverlay("r1"), rolledBack[1]);
    }

    [Fact]
    public void A_model_rollout_overlays_the_cohort_and_every_device_once_completed()
    {
        var def = Resolved("model:minilm@2.0.0");
        var kind = def.Artifact.Kind;
        var running = Assert.IsType<CampaignCommands.SetOverlay>(Assert.Single(kind.Directives(def, RolloutStatus.Running, ["d1"], "gates"))).Overlay;
        Assert.Equal((ArtifactKind.Model, "minilm", "2.0.0", Sha), (running.Kind, running.Name, running.Version, running.Sha256));
        Assert.Null(Assert.IsType<CampaignCommands.SetOverlay>(Assert.Single(kind.Directives(def, RolloutStatus.Completed, ["d1"], "gates"))).Overlay.Devices);
        Assert.Equal(new CampaignCommands.ClearOverlay("r1"), Assert.Single(kind.Directives(def, RolloutStatus.Aborted, ["d1"], "gates")));
    }
}
