using Fleet.Edge.Manifests;
using Fleet.Edge.Personalisation;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Rollouts;

namespace Fleet.Edge.Node.Tests.Manifests;

public sealed class ModelSlotsTests
{
    private static readonly ArtifactRef Pinned = new("minilm-pinned", "2.0.0", new string('b', 64));

    private static Manifest Pinning(ArtifactRef model) => new()
    {
        CampaignId = "summer-sale", Version = 1, Template = new ArtifactRef("t", "1.0.0", new string('1', 64)), Model = model,
        Copy = new CopyPool([], []), DefaultCopy = new DefaultCopy("h", "c"), StaticCreative = "static.mp4",
        Assets = [], IssuedAt = DateTimeOffset.UnixEpoch, ExpiresAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void A_pinned_model_runs_only_once_verified_and_until_then_the_built_in_model_is_named()
    {
        var slots = new ModelSlots();
        var m = Pinning(Pinned);
        slots.Pin([m.Model]);
        Assert.Equal(DefaultModel.Ref.Id, slots.For(m).Id);
        Assert.Equal(DefaultModel.Ref.Id, Assert.Single(slots.States([m])).Id);
        Assert.Null(slots.Next(_ => false)); // nothing it can prepare now (no cloud, not stored)
        var next = slots.Next(_ => true)!;
        Assert.Equal((Pinned.Id, Pinned.Sha256), (next.ArtifactId, next.Sha256));

        Assert.Equal((false, true), slots.Settle(next, new ModelInUse(Pinned.Id, "/models/b"), null));
        Assert.Equal(("minilm-pinned@2.0.0", "/models/b"), (slots.For(m).Id, slots.For(m).Directory));
        Assert.Null(slots.Next(_ => true));
        Assert.Contains(Pinned.Sha256, slots.Shas);
    }

    [Fact]
    public void A_model_verified_while_the_pipeline_warms_up_runs_only_once_warmed_and_a_forgotten_one_never()
    {
        var slots = new ModelSlots();
        var m = Pinning(Pinned);
        slots.Pin([m.Model]);
        var next = slots.Next(_ => true)!;
        Assert.Equal((false, true), slots.Settle(next, new ModelInUse(Pinned.Id, "/models/b"), null, warming: true));
        Assert.Equal(DefaultModel.Ref.Id, slots.For(m).Id);
        Assert.Equal(Pinned.Id, slots.For(m, warming: true).Id);
        Assert.Null(slots.Next(_ => true)); // verified: not offered again while it warms
        Assert.Equal((false, true), slots.Warmed(next));
        Assert.Equal(Pinned.Id, slots.For(m).Id);
        Assert.Equal((false, false), slots.Warmed(next)); // once

        // The file failed its check while the pipeline warmed: the late answer switches nothing.
        slots.Settle(next, new ModelInUse(Pinned.Id, "/models/b"), null, warming: true);
        slots.Forget(Pinned.Sha256);
        Assert.Equal((false, false), slots.Warmed(next));
        Assert.Equal(DefaultModel.Ref.Id, slots.For(m).Id);
    }

    [Fact]
    public void A_refused_pinned_model_is_reported_with_why_and_the_built_in_model_runs()
    {
        var slots = new ModelSlots();
        var m = Pinning(Pinned);
        slots.Pin([m.Model, DefaultModel.Ref]);
        slots.Settle(slots.Next(_ => true)!, null, "sha-mismatch: arrived as 4a64cee3d413");
        Assert.Equal(DefaultModel.Ref.Id, slots.For(m).Id);
        var states = slots.States([m]);
        Assert.Contains(states, s => s.Id == Pinned.Id && s.Error!.StartsWith("sha-mismatch"));
        Assert.Contains(states, s => s.Id == DefaultModel.Ref.Id && s.Error is null);
        Assert.Null(slots.Next(_ => true)); // refused: not tried again until the model changes
        slots.Pin([]);
        Assert.DoesNotContain(Pinned.Sha256, slots.Shas);
    }

    [Fact]
    public void A_rollout_overlay_for_the_same_name_wins_over_the_pin()
    {
        var slots = new ModelSlots();
        var m = Pinning(Pinned);
        slots.Pin([m.Model]);
        var overlay = new ArtifactOverlay("r1", ArtifactKind.Model, Pinned.Name, "3.0.0", new string('c', 64), null, new Dictionary<string, string>(), null);
        Assert.Empty(slots.Direct([overlay]));
        slots.Settle(overlay, new ModelInUse(overlay.ArtifactId, "/models/c"), null);
        Assert.Equal("minilm-pinned@3.0.0", slots.For(m).Id);
        Assert.Equal(overlay, Assert.Single(slots.Direct([])));
        Assert.Equal(DefaultModel.Ref.Id, slots.For(m).Id); // the pin is not verified yet
    }
}
