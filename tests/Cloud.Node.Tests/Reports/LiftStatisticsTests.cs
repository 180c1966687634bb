using Fleet.Cloud.Reports;

namespace Fleet.Cloud.Node.Tests.Reports;

/// <summary>Known answers, computed independently with python3 (statistics.NormalDist for z) from the textbook formulas.</summary>
public sealed class LiftStatisticsTests
{
    private const int Digits = 9;

    [Fact]
    public void Wilson_intervals_match_known_answers_and_stay_inside_zero_one()
    {
        var w = LiftStatistics.Wilson(120, 2000);
        Assert.Equal((0.050411197, 0.071275804), (Math.Round(w.Low, Digits), Math.Round(w.High, Digits)));
        var zero = LiftStatistics.Wilson(0, 50);
        Assert.Equal((0.0, 0.071347599), (zero.Low, Math.Round(zero.High, Digits)));
        Assert.Equal(new LiftStatistics.Interval(0, 1), LiftStatistics.Wilson(0, 0));
    }

    [Fact]
    public void Six_against_four_percent_is_a_fifty_percent_lift_with_known_intervals()
    {
        var (lift, rel) = LiftStatistics.RelativeLift(120, 2000, 80, 2000);
        Assert.Equal(0.5, Math.Round(lift, Digits));
        Assert.Equal((0.138192729, 0.976818110), (Math.Round(rel.Low, Digits), Math.Round(rel.High, Digits)));
        var diff = LiftStatistics.Difference(120, 2000, 80, 2000);
        Assert.Equal((0.006497149, 0.033678514), (Math.Round(diff.Low, Digits), Math.Round(diff.High, Digits)));
        Assert.True(diff.Excludes(0));
    }

    [Fact]
    public void A_holdout_without_successes_gives_finite_corrected_answers_not_infinity_or_NaN()
    {
        // Haldane–Anscombe: 5.5/101 against 0.5/101.
        var (lift, rel) = LiftStatistics.RelativeLift(5, 100, 0, 100);
        Assert.Equal((10.0, -0.383684215, 195.327926341), (Math.Round(lift, Digits), Math.Round(rel.Low, Digits), Math.Round(rel.High, Digits)));
        var diff = LiftStatistics.Difference(5, 100, 0, 100);
        Assert.Equal((0.003327941, 0.111750469), (Math.Round(diff.Low, Digits), Math.Round(diff.High, Digits)));
        var (none, noneCi) = LiftStatistics.RelativeLift(0, 100, 0, 100);
        Assert.True(double.IsFinite(none) && double.IsFinite(noneCi.Low) && double.IsFinite(noneCi.High));
        var (all, allCi) = LiftStatistics.RelativeLift(100, 100, 100, 100);
        Assert.Equal(0, all, Digits);
        Assert.True(allCi.Low < 0 && allCi.High > 0);
    }

    [Fact]
    public void Sample_size_per_arm_matches_the_fleiss_formula_and_is_unknown_at_a_zero_baseline()
    {
        Assert.Equal(31234, LiftStatistics.SampleSizePerArm(0.05, 0.10));
        Assert.Equal(1863, LiftStatistics.SampleSizePerArm(0.04, 0.50));
        Assert.Null(LiftStatistics.SampleSizePerArm(0, 0.10));
        Assert.Null(LiftStatistics.SampleSizePerArm(1, 0.10));
    }
}
