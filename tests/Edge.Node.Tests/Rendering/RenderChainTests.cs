using Fleet.Edge.Rendering;
using Fleet.Shared.Rendering;
using static Fleet.Edge.Rendering.StageOutcome;

namespace Fleet.Edge.Node.Tests.Rendering;

/// <summary>The render fallback chain as a pure function: which step follows each stage outcome, and which reason it records.</summary>
public sealed class RenderChainTests
{
    private static readonly RenderChain.Facts Plain = new(Verify: false, StaticCreative: "static.mp4", Holdout: false, Preview: false,
        Mode: Delegation.EdgeFirst, Height: 720, LocalHeight: 720, MaxLocalHeight: 720, Pressure: null, UseCache: true, Deadline: TimeSpan.FromSeconds(20));

    // Over the device's height, so the render is delegated unless something stops it.
    private static readonly RenderChain.Facts Tall = Plain with { Height = 1080 };

    private static readonly StageOutcome Copy = new Personalised([], CloudAllowed: true, Sendable: true);

    private static readonly CompositeProtocol.Composed Fast = new("/work/ad.mp4", "libx264", "fast", [], 100, []);

    /// <summary>Feeds <paramref name="outcomes"/> in order from the start and returns every step the chain named.</summary>
    private static (RenderChain.State State, List<RenderStep> Steps) Walk(RenderChain.Facts facts, params StageOutcome[] outcomes)
    {
        var state = new RenderChain.State(facts);
        var steps = new List<RenderStep>();
        foreach (var outcome in outcomes.Prepend(new Started()))
        {
            (state, var step) = RenderChain.Next(state, outcome);
            steps.Add(step);
        }
        return (state, steps);
    }

    private static RenderStep Run(RenderStage stage) => new RenderStep.Run(stage);

    [Fact]
    public void An_unhindered_render_runs_every_local_stage_in_order_and_records_no_fallback()
    {
        var (state, steps) = Walk(Plain with { Verify = true }, new Verified([]), new PolicyChecked(), Copy, new Prepared(), new CacheChecked(),
            new Composited(Fast, AudioSeconds: 2.5));
        Assert.Equal([Run(RenderStage.Verify), Run(RenderStage.Policy), Run(RenderStage.Personalise), Run(RenderStage.Prepare),
            Run(RenderStage.Cache), Run(RenderStage.SpeechAndComposite), new RenderStep.Deliver(Fast, 2.5)], steps);
        Assert.Empty(state.Fallbacks);
    }

    [Fact]
    public void Without_assets_to_verify_or_the_cache_those_stages_are_skipped()
    {
        var (_, steps) = Walk(Plain with { UseCache = false }, new PolicyChecked(), Copy);
        Assert.Equal([Run(RenderStage.Policy), Run(RenderStage.Personalise), Run(RenderStage.Prepare)], steps);
        Assert.Equal(Run(RenderStage.SpeechAndComposite), Walk(Plain with { UseCache = false }, new PolicyChecked(), Copy, new Prepared()).Steps[^1]);
    }

    [Fact]
    public void A_kill_shows_the_static_creative_and_names_the_directive()
    {
        var (state, steps) = Walk(Plain, new PolicyChecked(BlockedBy: "kill-1"));
        Assert.Equal(new RenderStep.StaticCreative("static-creative"), steps[^1]);
        Assert.Equal(["policy:static-creative:kill-1"], state.Fallbacks);
    }

    [Fact]
    public void A_killed_model_renders_with_default_copy_and_says_so_before_the_copy_fallbacks()
    {
        var (state, steps) = Walk(Plain, new PolicyChecked(ModelKilledBy: "kill-2"), new Personalised(["personalise:default-copy:model-killed"], true, true));
        Assert.Equal(Run(RenderStage.Prepare), steps[^1]);
        Assert.Equal("kill-2", state.ModelKilledBy);
        Assert.Equal(["policy:default-copy:kill-2", "personalise:default-copy:model-killed"], state.Fallbacks);
    }

    [Fact]
    public void A_quarantined_asset_shows_the_static_creative_unless_the_static_creative_is_the_bad_one()
    {
        var (state, steps) = Walk(Plain with { Verify = true }, new Verified(["hero.mp4"]), new PolicyChecked());
        Assert.Equal(new RenderStep.StaticCreative("static-creative"), steps[^1]);
        Assert.Equal(["render:static-creative:asset-quarantined"], state.Fallbacks);

        // A bad static creative alone does not stop the render; when the render must fall back to it, there is no ad.
        var (bad, badSteps) = Walk(Plain with { Verify = true }, new Verified(["static.mp4"]), new PolicyChecked(), Copy, new PrepareFailed("no ffmpeg"));
        Assert.Equal(Run(RenderStage.Personalise), badSteps[2]);
        Assert.Equal(new RenderStep.Fail(RenderChain.NoStaticCreative), badSteps[^1]);
        Assert.Equal(["composite:static-creative:prepare-failed:no ffmpeg"], bad.Fallbacks);
    }

    [Fact]
    public void The_holdout_arm_shows_the_static_creative_by_design_not_as_a_fallback()
    {
        var (state, steps) = Walk(Plain with { Holdout = true }, new PolicyChecked());
        Assert.Equal(new RenderStep.StaticCreative(RenderChain.HoldoutPath), steps[^1]);
        Assert.Empty(state.Fallbacks);
    }

    [Fact]
    public void Unsafe_default_copy_shows_the_static_creative_after_the_copy_fallbacks()
    {
        var (state, steps) = Walk(Tall, new PolicyChecked(), new Personalised(["personalise:default-copy-unsafe:blocked-word"], true, true));
        Assert.Equal(new RenderStep.StaticCreative("static-creative"), steps[^1]);
        Assert.Equal(["personalise:default-copy-unsafe:blocked-word", "render:static-creative:default-copy-unsafe"], state.Fallbacks);
    }

    [Fact]
    public void An_unsafe_preview_is_replaced_by_default_copy_only_for_a_preview()
    {
        var copy = new Personalised(["personalise:default-copy:preview-unsafe"], true, true);
        Assert.Equal(["personalise:default-copy:preview-unsafe", "render:preview-replaced-by-default-copy"],
            Walk(Plain with { Preview = true }, new PolicyChecked(), copy).State.Fallbacks);
        Assert.Equal(["personalise:default-copy:preview-unsafe"], Walk(Plain, new PolicyChecked(), copy).State.Fallbacks);
    }

    [Fact]
    public void A_delegated_render_that_comes_back_is_the_ad_and_not_a_fallback()
    {
        var (state, steps) = Walk(Tall, new PolicyChecked(), Copy, new Delegated(true, "h264_nvenc"));
        Assert.Equal([Run(RenderStage.Policy), Run(RenderStage.Personalise), Run(RenderStage.Delegate), new RenderStep.FromCloud("cloud:h264_nvenc")], steps);
        Assert.Empty(state.Fallbacks);
    }

    [Theory]
    [InlineData("budget", "delegate:local-720p:budget")]
    [InlineData(null, "delegate:local-720p:failed")]
    public void A_delegated_render_that_fails_is_rendered_here_at_the_devices_height(string? reason, string fallback)
    {
        var (state, steps) = Walk(Tall, new PolicyChecked(), Copy, new Delegated(false, "none", reason));
        Assert.Equal(Run(RenderStage.Prepare), steps[^1]);
        Assert.Equal([fallback], state.Fallbacks);
    }

    [Theory]
    [InlineData("cloud", 720, null)]
    [InlineData("edge-first", 720, "thermal")]
    [InlineData("edge-first", 1080, null)]
    public void Every_reason_to_delegate_leads_to_the_cloud(string mode, int height, string? pressure) =>
        Assert.Equal(Run(RenderStage.Delegate), Walk(Plain with { Mode = mode, Height = height, Pressure = pressure }, new PolicyChecked(), Copy).Steps[^1]);

    [Fact]
    public void A_campaign_that_forbids_the_cloud_renders_here_and_says_so()
    {
        var forbidden = new Personalised([], CloudAllowed: false, Sendable: true);
        foreach (var facts in new[] { Tall, Plain with { Mode = Delegation.Hybrid } })
        {
            var (state, steps) = Walk(facts, new PolicyChecked(), forbidden);
            Assert.Equal(Run(RenderStage.Prepare), steps[^1]);
            Assert.Equal(["delegate:local-720p:not-allowed"], state.Fallbacks);
        }
    }

    [Fact]
    public void Personal_text_never_leaves_whole_the_cloud_makes_only_the_base()
    {
        var personal = new Personalised([], CloudAllowed: true, Sendable: false);
        var (state, steps) = Walk(Tall, new PolicyChecked(), personal, new BaseFetched(true));
        Assert.Equal([Run(RenderStage.Policy), Run(RenderStage.Personalise), Run(RenderStage.Base), Run(RenderStage.Cache)], steps);
        Assert.True(state.PersonalHybrid);
        Assert.Empty(state.Fallbacks);
    }

    [Fact]
    public void A_hybrid_render_without_the_clouds_base_prepares_its_own_template()
    {
        var (state, steps) = Walk(Plain with { Mode = Delegation.Hybrid }, new PolicyChecked(), Copy, new BaseFetched(false, "no-worker"));
        Assert.Equal([Run(RenderStage.Policy), Run(RenderStage.Personalise), Run(RenderStage.Base), Run(RenderStage.Prepare)], steps);
        Assert.Equal(["delegate:local-720p:no-worker"], state.Fallbacks);
    }

    [Fact]
    public void A_template_that_cannot_be_prepared_shows_the_static_creative()
    {
        var (state, steps) = Walk(Plain, new PolicyChecked(), Copy, new PrepareFailed("template.json: no such file"));
        Assert.Equal(new RenderStep.StaticCreative("static-creative"), steps[^1]);
        Assert.Equal(["composite:static-creative:prepare-failed:template.json: no such file"], state.Fallbacks);
    }

    [Fact]
    public void A_cache_hit_is_copied_and_a_miss_is_rendered()
    {
        Assert.Equal(new RenderStep.FromCache("/cache/ab.mp4"), Walk(Plain, new PolicyChecked(), Copy, new Prepared(), new CacheChecked("/cache/ab.mp4")).Steps[^1]);
        Assert.Equal(Run(RenderStage.SpeechAndComposite), Walk(Plain, new PolicyChecked(), Copy, new Prepared(), new CacheChecked()).Steps[^1]);
    }

    [Fact]
    public void Speech_that_fell_back_is_recorded_before_the_encoder_chains_fallbacks()
    {
        var composed = Fast with { Encoder = "libx264", Fallbacks = ["composite:libx264:h264_vaapi-failed"] };
        var (state, steps) = Walk(Plain, new PolicyChecked(), Copy, new Prepared(), new CacheChecked(),
            new Composited(composed, 0, RenderFallback.CaptionsOnly("espeak-missing: espeak-ng is not available")));
        Assert.Equal(new RenderStep.Deliver(composed, 0), steps[^1]);
        Assert.Equal(["speech:captions-only:espeak-missing: espeak-ng is not available", "composite:libx264:h264_vaapi-failed"],
            state.Fallbacks);
    }

    [Fact]
    public void A_composite_that_could_not_write_even_the_static_creative_fails_the_render_with_its_reason()
    {
        var failed = new CompositeProtocol.CompositionFailed("static creative could not be written: read-only", ["composite:static-creative:ffmpeg-missing"]);
        var (state, steps) = Walk(Plain, new PolicyChecked(), Copy, new Prepared(), new CacheChecked(), new Composited(failed, 1.5));
        Assert.Equal(new RenderStep.Fail("no ad could be rendered: static creative could not be written: read-only", 1.5), steps[^1]);
        Assert.Equal(["composite:static-creative:ffmpeg-missing"], state.Fallbacks);
    }

    [Fact]
    public void An_unexpected_composite_reply_shows_the_static_creative()
    {
        var (state, steps) = Walk(Plain, new PolicyChecked(), Copy, new Prepared(), new CacheChecked(), new Composited("surprise"));
        Assert.Equal(new RenderStep.StaticCreative("static-creative"), steps[^1]);
        Assert.Equal(["composite:static-creative:unexpected-reply"], state.Fallbacks);
    }

    [Fact]
    public void A_kill_in_flight_a_missed_deadline_and_a_crash_each_show_the_static_creative_with_their_own_reason()
    {
        // Interrupted mid-render: the fallbacks recorded so far stay, the interruption's reason comes last.
        StageOutcome[] soFar = [new PolicyChecked(ModelKilledBy: "kill-2"), Copy];
        foreach (var (interruption, reason) in new (StageOutcome, string)[]
                 {
                     (new Killed("kill-3"), "policy:static-creative:kill-3:cancelled-in-flight"),
                     (new TimedOut(), "render:static-creative:over-deadline-20000ms"),
                     (new Crashed("IOException", "disk full"), "render:static-creative:IOException:disk full"),
                 })
        {
            var (state, steps) = Walk(Plain, [.. soFar, interruption]);
            Assert.Equal(new RenderStep.StaticCreative("static-creative"), steps[^1]);
            Assert.Equal(["policy:default-copy:kill-2", reason], state.Fallbacks);
        }
    }
}
