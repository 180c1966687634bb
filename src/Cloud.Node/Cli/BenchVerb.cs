using System.Text.Json;
using Fleet.Cloud.Bench;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud bench telemetry</c> (ingest throughput, memory per 1,000 devices) and <c>bench report</c> (lift report on a simulated week).</summary>
public static class BenchVerb
{
    public static readonly Verb Verb = new("bench", "benchmarks: 'bench telemetry' (ingest aggregates/s, memory per 1,000 devices), 'bench report' (lift report latency on a simulated week)", RunAsync, ["telemetry", "report"]);

    private const string Usage = """
        usage: fleet-cloud bench telemetry [--devices 1000] [--minutes 30] [--in-flight 256] [--db sqlite:PATH|postgres:CONNSTR] [--json]
          starts a throwaway cloud node in this process (SQLite in a temp folder unless --db) and ingests --minutes
          one-minute aggregates from each of --devices simulated devices; prints the median aggregates/s over the
          per-minute rounds and the memory the windows take per 1,000 devices.
               fleet-cloud bench report [--devices 50] [--days 7] [--queries 50] [--budget-ms 1000] [--in-flight 256] [--db ...] [--json]
          starts a throwaway cloud node the same way, ingests --days of one-minute aggregates with both arms
          (personalised and holdout) from --devices simulated devices through the ingest singleton, then asks
          GET /api/v1/reports/campaigns/summer-sale?since=<days>d --queries times; prints the ingest time and the
          report's median and p99 latency, and exits 1 when the p99 is over --budget-ms (default 1000).
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help") || a.Positionals is not (["telemetry"] or ["report"])) { Console.WriteLine(Usage); return a.Flag("help") ? 0 : 2; }
        if (a.Positionals is ["report"]) return await ReportAsync(a);
        a.RejectUnknown("devices", "minutes", "in-flight", "db");
        var json = a.Flag("json");
        var r = await IngestBenchmark.RunAsync(Math.Max(1, a.GetInt("devices", 1000)), Math.Max(1, a.GetInt("minutes", 30)),
            Math.Max(1, a.GetInt("in-flight", 256)), a.Get("db"), line => { if (!json) Console.Error.WriteLine(line); });
        if (json) { Console.WriteLine(JsonSerializer.Serialize(r, FleetJson.Indented)); return 0; }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; db {r.Db}");
        Console.WriteLine($"cloud ingest: {r.Devices} devices x {r.Minutes} minutes = {r.Accepted} aggregates acknowledged after the journal and report writes");
        Console.WriteLine($"  median {r.MedianAggregatesPerSecond:0} aggregates/s per round (min {r.RoundRates.Min():0}, max {r.RoundRates.Max():0})");
        Console.WriteLine($"  memory for {r.Minutes} minute windows: {r.HeapMbPer1000Devices:0.0} MB managed heap, {r.RssMbPer1000Devices:0.0} MB RSS per 1,000 devices");
        return 0;
    }

    private static async Task<int> ReportAsync(CommandArgs a)
    {
        a.RejectUnknown("devices", "days", "queries", "budget-ms", "in-flight", "db");
        var json = a.Flag("json");
        var r = await ReportBenchmark.RunAsync(a.GetInt("devices", 50, 1, 100_000), a.GetInt("days", 7, 1, 365), a.GetInt("in-flight", 256, 1, 10_000),
            a.GetInt("queries", 50, 1, 10_000), a.GetInt("budget-ms", 1000, 1, 600_000), a.Get("db"), line => { if (!json) Console.Error.WriteLine(line); });
        var over = r.P99Ms > r.BudgetMs;
        if (json) Console.Write(CliJson.Of(r));
        else
        {
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores; db {r.Db}");
            Console.WriteLine($"ingest: {r.Devices} devices x {r.Days} days = {r.Batches:N0} minute aggregates ({r.Impressions:N0} impressions) in {r.IngestSeconds:0.0} s ({r.BatchesPerSecond:N0}/s), each acknowledged after the journal and report writes");
            Console.WriteLine($"report campaign summer-sale --since {r.Days}d over the API: median {r.MedianMs:0.0} ms, p99 {r.P99Ms:0.0} ms ({r.Queries} queries; budget {r.BudgetMs:0} ms)");
            Console.Write(ReportVerb.Table(r.Report, $"{r.Days}d"));
        }
        if (over) Console.Error.WriteLine($"report p99 {r.P99Ms:0.0} ms is over the budget of {r.BudgetMs:0} ms");
        return over ? 1 : 0;
    }
}
