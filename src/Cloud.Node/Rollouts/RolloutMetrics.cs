using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Fleet.Cloud.Telemetry;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Rollouts;

/// <summary>
/// Rollouts as the coordinator (a cluster singleton) holds them, reported by the node that runs it: each unsettled
/// rollout's stage, status, last gate verdict and the gate values it was judged on, and status changes as a counter
/// (what an alert on "rolled back" watches). Settled rollouts leave the gauges, so series stay few.
/// </summary>
public static class RolloutMetrics
{
    private static readonly Counter<long> Transitions = CloudMetrics.Meter.CreateCounter<long>("fleet_rollout_transitions",
        description: "rollout status changes and stage entries, by what the rollout became (stage, paused, rolling-back, rolled-back, completed, ...)");
    private static volatile ImmutableList<Rollout> _rollouts = ImmutableList<Rollout>.Empty;

    static RolloutMetrics()
    {
        var m = CloudMetrics.Meter;
        m.CreateObservableGauge("fleet_rollout_stage", () => Each(r => r.Stage + 1), description: "the rollout's current stage (1-based)");
        m.CreateObservableGauge("fleet_rollout_stage_ratio", () => Each(r => r.Percent / 100), description: "share of eligible devices the current stage targets");
        m.CreateObservableGauge("fleet_rollout_status", () => Flag(r => FleetJson.Name(r.Status), "status"), description: "1 for the rollout's current status");
        m.CreateObservableGauge("fleet_rollout_verdict", () => Flag(r => r.Judged is { } k ? FleetJson.Name(k) : null, "verdict"),
            description: "1 for what the gates said on the last observation (observe, pass, breach)");
        m.CreateObservableGauge("fleet_rollout_canary_renders", () => Each(r => r.Canary?.Renders), description: "canary renders in the current stage's window");
        m.CreateObservableGauge("fleet_rollout_canary_success_ratio", () => Each(r => r.Canary?.SuccessRate), description: "canary success rate the gates judged");
        m.CreateObservableGauge("fleet_rollout_canary_fallback_ratio", () => Each(r => r.Canary?.FallbackRate), description: "canary fallback rate the gates judged");
        m.CreateObservableGauge("fleet_rollout_canary_p95", () => Each(r => r.Canary?.P95Ms / 1000), "s", "canary p95 render time the gates judged");
        m.CreateObservableGauge("fleet_rollout_baseline_p95", () => Each(r => r.Baseline?.P95Ms / 1000), "s", "baseline p95 render time the canary is compared with");
    }

    /// <summary>The coordinator's rollouts after a change or an observation; empty when the singleton stops here.</summary>
    public static void Book(IEnumerable<Rollout> rollouts) => _rollouts = rollouts.Where(r => !r.Settled).ToImmutableList();

    public static void Transition(string to) => Transitions.Add(1, new KeyValuePair<string, object?>("to", to));

    private static KeyValuePair<string, object?>[] Labels(Rollout r) => [new("rollout", r.Id), new("artifact", r.ArtifactId)];

    private static IEnumerable<Measurement<double>> Each(Func<Rollout, double?> value) =>
        _rollouts.Select(r => (r, v: value(r))).Where(x => x.v is not null).Select(x => new Measurement<double>(x.v!.Value, Labels(x.r)));

    private static IEnumerable<Measurement<int>> Flag(Func<Rollout, string?> value, string label) =>
        _rollouts.Select(r => (r, v: value(r))).Where(x => x.v is not null)
            .Select(x => new Measurement<int>(1, [.. Labels(x.r), new KeyValuePair<string, object?>(label, x.v)]));
}
