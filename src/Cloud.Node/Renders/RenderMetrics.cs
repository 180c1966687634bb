using System.Diagnostics.Metrics;
using Fleet.Cloud.Telemetry;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Renders;

/// <summary>
/// Cloud render jobs as the scheduler's ledger holds them, counted at scrape time on the node that runs the scheduler
/// (a cluster singleton): jobs by state, the queue waiting for a worker, connected workers, and each budgeted campaign's
/// use of today's budget.
/// </summary>
public static class RenderMetrics
{
    private static readonly RenderJobStatus[] Statuses = Enum.GetValues<RenderJobStatus>();
    /// <summary>The scheduler's ledger after its last change and its worker count; null on a node that does not run it.</summary>
    private static volatile Published? _now;

    private sealed record Published(RenderLedger Ledger, int Workers);

    static RenderMetrics()
    {
        var m = CloudMetrics.Meter;
        m.CreateObservableGauge("fleet_render_jobs", ByStatus, description: "render jobs the scheduler keeps, by state (finished ones for seven days)");
        m.CreateObservableGauge("fleet_render_queue_depth", () => Observed(p => p.Ledger.Jobs.Values.Count(j => j.Status == RenderJobStatus.Queued)),
            description: "render jobs waiting for a worker");
        m.CreateObservableGauge("fleet_render_workers", () => Observed(p => p.Workers), description: "render workers pulling from the scheduler");
        m.CreateObservableGauge("fleet_render_budget_used_ratio", BudgetUse,
            description: "share of today's render budget a campaign has used, by kind (renders, seconds); only budgeted campaigns");
    }

    public static void Ledger(RenderLedger? ledger, int workers) => _now = ledger is null ? null : new Published(ledger, workers);

    private static IEnumerable<Measurement<int>> Observed(Func<Published, int> value) => _now is { } p ? [new Measurement<int>(value(p))] : [];

    private static IEnumerable<Measurement<int>> ByStatus()
    {
        if (_now is not { } p) return [];
        var counts = p.Ledger.Jobs.Values.GroupBy(j => j.Status).ToDictionary(g => g.Key, g => g.Count());
        return Statuses.Select(s => new Measurement<int>(counts.GetValueOrDefault(s), new KeyValuePair<string, object?>("state", FleetJson.Name(s))));
    }

    private static IEnumerable<Measurement<double>> BudgetUse()
    {
        if (_now is not { } p) yield break;
        foreach (var campaign in p.Ledger.Budgets.Keys)
        {
            var u = p.Ledger.UsageOf(campaign, DateTimeOffset.UtcNow);
            var label = new KeyValuePair<string, object?>("campaign", campaign);
            if (u.RendersPerDay is > 0 and var renders)
                yield return new Measurement<double>((double)u.Renders / renders, label, new("kind", "renders"));
            if (u.RenderSecondsPerDay is > 0 and var seconds)
                yield return new Measurement<double>(u.RenderSeconds / seconds, label, new("kind", "seconds"));
        }
    }
}
