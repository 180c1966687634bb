using System.Diagnostics;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Hosting;
using Fleet.Cloud.Reports;
using Fleet.Shared.Persistence;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Bench;

/// <summary>
/// The lift report on a simulated week: one real cloud node (cluster, journal, ingest singleton, report store) in this
/// process; <c>devices</c> simulated devices each upload <c>days</c> × 1,440 one-minute aggregates with both arms
/// through the ingest singleton (acknowledged after the journal and report writes), then the report is asked for
/// <c>queries</c> times through the HTTP API. Reports ingest time and report latency (median, p99).
/// </summary>
public static class ReportBenchmark
{
    public sealed record Result(int Devices, int Days, string Db, long Batches, double IngestSeconds, double BatchesPerSecond,
        long Impressions, int Queries, double MedianMs, double P99Ms, double BudgetMs, CampaignLiftReport Report);

    public static async Task<Result> RunAsync(int devices, int days, int inFlight, int queries, double budgetMs, string? db, Action<string> progress)
    {
        var dir = Path.Combine(Path.GetTempPath(), "fleet-bench-report-" + Guid.NewGuid().ToString("N")[..8]);
        var target = db is null ? DbTarget.Sqlite(Path.Combine(dir, "fleet.db")) : DbTarget.Parse(db);
        await target.EnsureReachableAsync();
        var http = $"http://127.0.0.1:{IngestBenchmark.FreePort()}";
        var app = CloudHost.Build(new CloudOptions
        {
            Port = IngestBenchmark.FreePort(), HttpUrl = http, DataDir = dir, Db = target, AdminToken = "bench", InsecureDev = true,
            Roles = [Fleet.Shared.Cluster.FleetCluster.ControlRole],
            // The in-memory windows are not what is measured: keep them short so a week does not pile up in memory.
            TelemetryRetention = TimeSpan.FromHours(1), ReportRetention = TimeSpan.FromDays(days + 1), AkkaLogLevel = "ERROR",
        });
        await app.StartAsync();
        try
        {
            var ingest = await app.Services.GetRequiredService<IRequiredActor<TelemetryIngestKey>>().GetAsync();
            await IngestBenchmark.WaitReady(ingest);
            var minutes = days * 1440;
            var start = ReportRollup.HourOf(DateTimeOffset.UtcNow).AddMinutes(-minutes);
            var rngs = Enumerable.Range(0, devices).Select(d => new Random(d)).ToArray();
            long batches = 0, impressions = 0;
            var sw = Stopwatch.StartNew();
            const int MinutesPerRound = 60;
            for (var m0 = 0; m0 < minutes; m0 += MinutesPerRound)
            {
                var round = new List<TelemetryProtocol.Batch>();
                for (var m = m0; m < Math.Min(minutes, m0 + MinutesPerRound); m++)
                    for (var d = 0; d < devices; d++)
                    {
                        var a = SyntheticOutcomes.Minute(start.AddMinutes(m), rngs[d], impressions: 2 + (d + m) % 5);
                        impressions += a.Groups.Sum(g => g.Arms!.Sum(x => x.Impressions));
                        round.Add(new TelemetryProtocol.Batch($"bench-{d:D5}", m + 1, [], AggregateCodec.Encode(a), 0,
                            new Dictionary<string, string> { ["store"] = $"s{d % 10}" }));
                    }
                batches += await IngestBenchmark.SendAll(ingest, round, inFlight);
                if ((m0 / MinutesPerRound + 1) % 24 == 0) progress($"day {(m0 + MinutesPerRound) / 1440.0:0.#}/{days}: {batches} batches in {sw.Elapsed.TotalSeconds:0} s");
            }
            var ingestSeconds = sw.Elapsed.TotalSeconds;
            using var api = new ApiClient(http, "bench");
            var path = $"api/v1/reports/campaigns/summer-sale?since={days}d";
            var report = await api.GetAsync<CampaignLiftReport>(path);
            var times = new List<double>();
            for (var i = 0; i < queries; i++)
            {
                var q = Stopwatch.StartNew();
                report = await api.GetAsync<CampaignLiftReport>(path);
                times.Add(q.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            return new Result(devices, days, target.Describe(), batches, Math.Round(ingestSeconds, 1), Math.Round(batches / ingestSeconds),
                impressions, queries, Math.Round(times[times.Count / 2], 1), Math.Round(times[Math.Min(times.Count - 1, (int)Math.Ceiling(times.Count * 0.99) - 1)], 1),
                budgetMs, report);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
