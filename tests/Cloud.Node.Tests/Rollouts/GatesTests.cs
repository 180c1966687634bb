using Fleet.Shared.Rollouts;
using Fleet.Cloud.Rollouts;
using Fleet.Shared.Cli;

namespace Fleet.Cloud.Node.Tests.Rollouts;

public sealed class GatesTests
{
    private static readonly HealthWindow Baseline = new(1000, 995, 5, 0, 0, 250);

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
        var v = GateEvaluator.Evaluate(Gate.Defaults, new HealthWindow(12, 12, 0, 0, 0, 200), Baseline, minSamples: 50);
        Assert.Equal(GateVerdictKind.Observe, v.Kind);
        Assert.Contains("12 of 50", v.Detail);
    }

    [Fact]
    public void A_healthy_canary_passes()
    {
        var v = GateEvaluator.Evaluate(Gate.Defaults, new HealthWindow(100, 100, 1, 0, 0, 260), Baseline, 50);
        Assert.Equal(GateVerdictKind.Pass, v.Kind);
    }

    [Theory]
    [InlineData(100, 90, 0, 0, 200.0, "success>=0.99")]
    [InlineData(100, 100, 0, 0, 400.0, "p95<=1.2x")]
    [InlineData(100, 100, 10, 0, 200.0, "fallback<=0.02")]
    [InlineData(3, 0, 0, 2, null, "load-errors<=0")]
    public void A_breach_names_the_gate_and_the_numbers(long renders, long ok, long fallbacks, long loadErrors, double? p95, string gate)
    {
        var v = GateEvaluator.Evaluate(Gate.Defaults, new HealthWindow(renders, ok, fallbacks, 0, loadErrors, p95), Baseline, 50);
        Assert.Equal(GateVerdictKind.Breach, v.Kind);
        Assert.StartsWith(gate, v.Detail);
    }

    [Fact]
    public void A_relative_gate_without_a_baseline_keeps_observing()
    {
        var v = GateEvaluator.Evaluate(new[] { Gate.Parse("p95<=1.2x") }, new HealthWindow(100, 100, 0, 0, 0, 200), HealthWindow.Empty, 50);
        Assert.Equal(GateVerdictKind.Observe, v.Kind);
    }
}
