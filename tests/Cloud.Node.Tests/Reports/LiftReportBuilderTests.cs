using System.Text.Json;
using Fleet.Cloud.Hosting;
using Fleet.Cloud.Reports;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Node.Tests.Reports;

public sealed class LiftReportBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 6, 0, 0, TimeSpan.Zero);

    private static ReportRow Arm(string version, string arm, long n, long clicks, long completes, string model = "m@1") =>
        new(version, model, ReportSlices.Arm, arm, new RollupCounts(0, n, n, n, n, completes, clicks, n * 1000));

    [Fact]
    public void Versions_are_reported_in_numeric_order_with_arms_summed_over_model_versions()
    {
        var r = LiftReportBuilder.Build("c", T0, T0.AddDays(1), [
            Arm("10", ArmCounts.Personalised, 100, 5, 50), Arm("9", ArmCounts.Holdout, 100, 2, 40),
            Arm("9", ArmCounts.Personalised, 1000, 60, 600, "m@1"), Arm("9", ArmCounts.Personalised, 1000, 60, 600, "m@2"),
        ]);
        Assert.Equal(["9", "10"], r.Versions.Select(v => v.CampaignVersion));
        var v9 = r.Versions[0];
        Assert.Equal(["m@1", "m@2"], v9.ModelVersions);
        Assert.Equal([ArmCounts.Personalised, ArmCounts.Holdout], v9.Arms.Select(a => a.Id));
        Assert.Equal((2000L, 0.06), (v9.Arms[0].Impressions, v9.Arms[0].Ctr!.Value));
        Assert.Equal(1000.0, v9.Arms[0].MeanEngagementMs);
    }

    [Fact]
    public void Without_holdout_impressions_the_lift_says_so_and_the_json_has_no_NaN()
    {
        var r = LiftReportBuilder.Build("c", T0, T0.AddDays(1), [Arm("3", ArmCounts.Personalised, 50, 0, 0)]);
        var ctr = r.Versions.Single().Ctr;
        Assert.Equal((LiftReportBuilder.NoHoldout, (double?)null, (double?)null, false), (ctr.Verdict, ctr.RelativeLift, ctr.Difference, ctr.Significant));
        Assert.Equal("no ctr successes yet: the sample cannot be sized", ctr.Sample);
        var json = JsonSerializer.Serialize(r, FleetJson.Options);
        Assert.DoesNotContain("NaN", json);
        Assert.DoesNotContain("Infinity", json);
    }

    [Fact]
    public void A_small_sample_says_how_many_more_impressions_per_arm_it_needs_and_a_big_one_that_it_is_enough()
    {
        // Holdout CTR 5 %: detecting a 10 % relative lift takes 31,234 impressions per arm (see LiftStatisticsTests).
        var small = LiftReportBuilder.Build("c", T0, T0, [Arm("3", ArmCounts.Personalised, 2000, 110, 0), Arm("3", ArmCounts.Holdout, 1000, 50, 0)]).Versions.Single().Ctr;
        Assert.Equal((31234L, 30234L), (small.NeededPerArm!.Value, small.MorePerArm!.Value));
        Assert.Equal("needs ~30,234 more impressions per arm", small.Sample);
        Assert.Equal("no significant difference", small.Verdict);
        var big = LiftReportBuilder.Build("c", T0, T0, [Arm("3", ArmCounts.Personalised, 40000, 2400, 0), Arm("3", ArmCounts.Holdout, 40000, 2000, 0)]).Versions.Single().Ctr;
        Assert.Equal((0L, "personalised beats holdout"), (big.MorePerArm!.Value, big.Verdict));
        Assert.StartsWith("large enough: 40,000 per arm", big.Sample);
    }

    [Fact]
    public void Report_retention_defaults_to_90_days_and_refuses_what_is_not_a_duration_of_an_hour_or_more()
    {
        static CloudOptions Parse(params string[] args) =>
            CloudOptions.Parse(args.Concat(["--data", Path.GetTempPath()]).ToArray());
        Assert.Equal(TimeSpan.FromDays(90), Parse().ReportRetention);
        Assert.Equal(TimeSpan.FromDays(30), Parse("--report-retention", "30d").ReportRetention);
        Assert.Contains("--report-retention 'soon' is not a duration", Assert.Throws<UsageException>(() => Parse("--report-retention", "soon")).Message);
        Assert.Throws<UsageException>(() => Parse("--report-retention", "10m"));
    }
}
