using Fleet.Shared.Rollouts;
using Fleet.Cloud.Rollouts;
using Fleet.Shared.Cli;

namespace Fleet.Cloud.Node.Tests.Rollouts;

public sealed class GatesTests
{
    private static readonly HealthWindow Baseline = new(1000, 995, 5, 0, 0, 250, Timed: 1000);

    [Theory]
    [InlineData("success>=0.99")]
    [InlineData("p95<=1.2x")]
    [InlineData("p95<=400")]
    [InlineData("fallback<=0.02")]
    [InlineData("safety<=0.01")]
    [InlineData("load-errors<=0")]
    public void Gates_parse_and_print_back(string text) => Assert.Equal(text, Gate.Parse(text).ToString());

    [Theory]
    [InlineData("success>0.99")]
    [InlineData("fallback<=2x")]
    [InlineData("latency<=3")]
    public void Bad_gates_are_usage_errors(string text) => Assert.Throws<UsageException>(() => Gate.Parse(text));

    [Fact]
    public void Too_few_samples_keeps_observing_and_says_so()
    {
        var v = GateEvaluator.Evaluate(Gate.Defaults, new HealthWindow(12, 12, 0, 0, 0, 200, Timed: 12), Baseline, minSamples: 50);
        Assert.Equal(GateVerdictKind.Observe, v.Kind);
        Assert.Contains("12 of 50", v.Detail);
    }

    [Fact]
    public void A_healthy_canary_passes()
    {
        var v = GateEvaluator.Evaluate(Gate.Defaults, new HealthWindow(100, 100, 1, 0, 0, 260, Timed: 100), Baseline, 50);
        Assert.Equal(GateVerdictKind.Pass, v.Kind);
    }

    [Theory]
    [InlineData(100, 90, 0, 0, 200.0, "success>=0.99")]
    [InlineData(100, 100, 0, 0, 400.0, "p95<=1.2x")]
    [InlineData(100, 100, 10, 0, 200.0, "fallback<=0.02")]
    [InlineData(3, 0, 0, 2, null, "load-errors<=0")]
    public void A_breach_names_the_gate_and_the_numbers(long renders, long ok, long fallbacks, long loadErrors, double? p95, string gate)
    {
        var v = GateEvaluator.Evaluate(Gate.Defaults, new HealthWindow(renders, ok, fallbacks, 0, loadErrors, p95, Timed: renders), Baseline, 50);
        Assert.Equal(GateVerdictKind.Breach, v.Kind);
        Assert.StartsWith(gate, v.Detail);
    }

    [Fact]
    public void A_relative_gate_without_a_baseline_keeps_observing()
    {
        var v = GateEvaluator.Evaluate(new[] { Gate.Parse("p95<=1.2x") }, new HealthWindow(100, 100, 0, 0, 0, 200, Timed: 100), HealthWindow.Empty, 50);
        Assert.Equal(GateVerdictKind.Observe, v.Kind);
    }

    [Fact]
    public void A_p95_gate_judges_timed_renders_only_and_a_ratio_needs_as_many_from_the_baseline()
    {
        var p95 = new[] { Gate.Parse("p95<=2x") };
        // 40 of the canary's 50 renders were cache hits: counted, but the p95 of ten renders that ran cannot be judged.
        var mostlyCached = new HealthWindow(50, 50, 0, 0, 0, 400, Timed: 10);
        Assert.Contains("canary has 10 of 50 timed renders", GateEvaluator.Evaluate(p95, mostlyCached, Baseline, 50).Detail);

        var canary = new HealthWindow(60, 60, 0, 0, 0, 530, Timed: 60);
        var thinBaseline = new HealthWindow(2, 2, 0, 0, 0, 227, Timed: 2); // its p95 is the larger of two renders
        var observed = GateEvaluator.Evaluate(p95, canary, thinBaseline, 50);
        Assert.Equal((GateVerdictKind.Observe, "p95<=2x: baseline has 2 of 50 timed renders needed to compare with"), (observed.Kind, observed.Detail));

        // The baseline recorded when the stage before passed stands in for a short one.
        var judged = GateEvaluator.Evaluate(p95, canary, thinBaseline, 50, referenceP95Ms: 250);
        Assert.Equal((GateVerdictKind.Breach, "p95<=2x: canary 530 ms vs baseline 250 ms (limit 500 ms)"), (judged.Kind, judged.Detail));
        Assert.Equal(GateVerdictKind.Pass, GateEvaluator.Evaluate(p95, canary, thinBaseline with { P95Ms = 300, Timed = 50 }, 50, referenceP95Ms: 250).Kind);
    }
}
