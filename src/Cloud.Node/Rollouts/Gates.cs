using System.Globalization;
using System.Text.RegularExpressions;
using Fleet.Shared.Rollouts;

namespace Fleet.Cloud.Rollouts;

/// <summary>What a gate measures over the bake window.</summary>
public enum GateMetric { Success, P95, Fallback, Safety, LoadErrors }

/// <summary>
/// One health gate, as operators write it: <c>success&gt;=0.99</c>, <c>p95&lt;=1.2x</c> (ratio to baseline) or
/// <c>p95&lt;=400</c> (ms), <c>fallback&lt;=0.02</c>, <c>safety&lt;=0.01</c>, <c>load-errors&lt;=0</c>.
/// </summary>
public sealed partial record Gate(GateMetric Metric, bool AtLeast, double Threshold, bool RelativeToBaseline)
{
    [GeneratedRegex(@"^(?<m>success|p95|fallback|safety|load-errors)(?<op>>=|<=)(?<v>\d+(\.\d+)?)(?<x>x?)$")]
    private static partial Regex Pattern();

    public static Gate Parse(string text)
    {
        var m = Pattern().Match(text.Replace(" ", ""));
        if (!m.Success) throw new UsageException($"--gate '{text}': expected e.g. success>=0.99, p95<=1.2x, fallback<=0.02, safety<=0.01, load-errors<=0");
        var metric = m.Groups["m"].Value switch
        {
            "success" => GateMetric.Success, "p95" => GateMetric.P95, "fallback" => GateMetric.Fallback,
            "safety" => GateMetric.Safety, _ => GateMetric.LoadErrors,
        };
        var relative = m.Groups["x"].Value == "x";
        if (relative && metric != GateMetric.P95) throw new UsageException($"--gate '{text}': only p95 can be relative to the baseline (x)");
        return new Gate(metric, m.Groups["op"].Value == ">=", double.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture), relative);
    }

    public static readonly IReadOnlyList<Gate> Defaults = new[]
    {
        Parse("success>=0.99"), Parse("p95<=1.2x"), Parse("fallback<=0.02"), Parse("load-errors<=0"),
    };

    public override string ToString() =>
        $"{Metric switch { GateMetric.LoadErrors => "load-errors", _ => Metric.ToString().ToLowerInvariant() }}{(AtLeast ? ">=" : "<=")}{Threshold.ToString(CultureInfo.InvariantCulture)}{(RelativeToBaseline ? "x" : "")}";
}

/// <summary>The outcome of judging a canary: keep observing (and why), pass, or breach (which gate, with the numbers).</summary>
public sealed record GateVerdict(GateVerdictKind Kind, string Detail)
{
    public static GateVerdict Observe(string why) => new(GateVerdictKind.Observe, why);
}

public enum GateVerdictKind { Observe, Pass, Breach }

/// <summary>
/// Pure gate evaluation: too few samples is never a pass; a load error breaches at once. A p95 gate needs
/// <c>minSamples</c> timed renders (renders that ran, not cache hits) of the canary, and a ratio as many of the baseline:
/// the p95 of two renders is their maximum. Short of them, <c>referenceP95Ms</c> (the baseline when the
/// stage before passed) stands in for the baseline.
/// </summary>
public static class GateEvaluator
{
    public static GateVerdict Evaluate(IReadOnlyList<Gate> gates, HealthWindow canary, HealthWindow baseline, long minSamples, double? referenceP95Ms = null)
    {
        var baselineP95 = baseline.TimedP95(minSamples) ?? referenceP95Ms;
        // A model that fails to load breaches immediately: waiting for samples would only hide it.
        var loadGate = gates.FirstOrDefault(g => g.Metric == GateMetric.LoadErrors);
        if (loadGate is not null && canary.LoadErrors > loadGate.Threshold)
            return new GateVerdict(GateVerdictKind.Breach, $"{loadGate}: canary reported {canary.LoadErrors} load error(s)");
        if (canary.Renders < minSamples)
            return GateVerdict.Observe($"canary has {canary.Renders} of {minSamples} renders needed");
        foreach (var gate in gates)
        {
            var (value, limit, missing) = Judge(gate, canary, baseline, baselineP95, minSamples);
            if (missing is not null) return GateVerdict.Observe($"{gate}: {missing}");
            if (gate.AtLeast ? value < limit : value > limit)
                return new GateVerdict(GateVerdictKind.Breach, $"{gate}: canary {Format(gate, value)}" +
                    (gate.RelativeToBaseline ? $" vs baseline {baselineP95:0} ms (limit {limit:0} ms)" : ""));
        }
        return new GateVerdict(GateVerdictKind.Pass, $"{gates.Count} gate(s) passed on {canary.Renders} canary renders");
    }

    /// <summary>The canary's value and the limit it must meet, or why it cannot be judged yet.</summary>
    private static (double Value, double Limit, string? Missing) Judge(Gate g, HealthWindow canary, HealthWindow baseline, double? baselineP95, long minSamples) => g.Metric switch
    {
        GateMetric.Success => (canary.SuccessRate, g.Threshold, null),
        GateMetric.Fallback => (canary.FallbackRate, g.Threshold, null),
        GateMetric.Safety => (canary.SafetyRate, g.Threshold, null),
        GateMetric.LoadErrors => (canary.LoadErrors, g.Threshold, null),
        GateMetric.P95 when canary.TimedP95(minSamples) is null => (0, 0, $"canary has {canary.Timed} of {minSamples} timed renders needed (cache hits are not timed)"),
        GateMetric.P95 when !g.RelativeToBaseline => (canary.P95Ms!.Value, g.Threshold, null),
        GateMetric.P95 when baselineP95 is null => (0, 0, $"baseline has {baseline.Timed} of {minSamples} timed renders needed to compare with"),
        _ => (canary.P95Ms!.Value, g.Threshold * baselineP95!.Value, null),
    };

    private static string Format(Gate g, double v) => g.Metric switch
    {
        GateMetric.P95 => $"{v:0} ms",
        GateMetric.LoadErrors => $"{v:0}",
        _ => v.ToString("0.####", CultureInfo.InvariantCulture),
    };
}
