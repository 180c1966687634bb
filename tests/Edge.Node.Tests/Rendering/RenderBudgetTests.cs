using Fleet.Bench;

namespace Fleet.Edge.Node.Tests.Rendering;

/// <summary>Which budgets `bench render` holds each template variant to (its exit code follows them).</summary>
public sealed class RenderBudgetTests
{
    private static RenderBenchmark.Result Run(string variant, double endToEndMs, double naiveMs, double firstAfterSyncMs)
    {
        var passed = new OutputCheck.Report(300, 300, 10, 10, true, true, 210, 210, true);
        Stats Of(double ms) => Stats.Of([ms]);
        return new RenderBenchmark.Result(TemplateVariant.Named(variant), 1, Of(endToEndMs), Of(naiveMs), naiveMs / endToEndMs, Of(1),
            new Dictionary<string, Stats>(), Of(30), passed, 300, [], 500, firstAfterSyncMs);
    }

    [Fact]
    public void A_slow_first_render_after_a_sync_misses_on_the_sample_and_moving_templates()
    {
        Assert.Equal(["first render after sync 450.0 ms > 400 ms"], Run("sample", 200, 1000, 450).Missed);
        Assert.Equal(["speed-up 2.00x < 2.5x", "first render after sync 450.0 ms > 400 ms"], Run("moving", 500, 1000, 450).Missed);
        Assert.Empty(Run("sample", 200, 1000, 390).Missed);
    }

    [Fact]
    public void The_whole_clip_template_is_held_to_its_output_check_alone()
    {
        // Every render of it encodes the whole clip, the first after a sync too.
        Assert.Empty(Run("whole", 1000, 950, 1000).Missed);
        var broken = Run("whole", 1000, 950, 1000) with { Output = new OutputCheck.Report(299, 300, 10, 10, true, true, 0, 0, false) };
        Assert.Equal(["output check failed"], broken.Missed);
    }
}
