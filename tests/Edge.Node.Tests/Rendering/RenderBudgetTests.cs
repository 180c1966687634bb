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

    [Fact]
    public void The_regression_check_judges_the_speed_up_at_three_quarters_of_its_budget_and_the_output()
    {
        var slowButNoRegression = Run("sample", 300, 1000, 500); // 3.33x: misses the full budgets, not the floor of 3x
        Assert.Equal(3, slowButNoRegression.Missed.Count);
        Assert.Empty(slowButNoRegression.RegressionMissed);
        Assert.Equal(["speed-up 2.27x < 3x (regression floor, 75 % of the 4x budget)"], Run("sample", 440, 1000, 300).RegressionMissed);
        Assert.Empty(Run("whole", 1000, 950, 1000).RegressionMissed);
        var broken = Run("moving", 400, 1000, 300) with { Output = new OutputCheck.Report(299, 300, 10, 10, true, true, 0, 0, false) };
        Assert.Equal(["output check failed"], broken.RegressionMissed);
    }
}
