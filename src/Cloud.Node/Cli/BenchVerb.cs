using System.CommandLine;
using System.Text.Json;
using Fleet.Cloud.Bench;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud bench telemetry</c> (ingest throughput, memory per 1,000 devices) and <c>bench report</c> (lift report on a simulated week).</summary>
public static class BenchVerb
{
    public static Command Create() =>
        new Command("bench", "benchmarks: 'bench telemetry' (ingest aggregates/s, memory per 1,000 devices), 'bench report' (lift report latency on a simulated week)")
        {
            Telemetry(), Report(),
        };

    private static Option<string?> Db() => CliOption.Text("--db", "persistence (default: SQLite in a temp folder)", "sqlite:PATH|postgres:CONNSTR");

    private static Command Telemetry()
    {
        // 0 would measure nothing, so it runs as 1 (as it did before these options were declared).
        var devices = CliOption.Int("--devices", 1000, "simulated devices");
        var minutes = CliOption.Int("--minutes", 30, "one-minute aggregates each device sends");
        var inFlight = CliOption.Int("--in-flight", 256, "aggregates in flight at once");
        var db = Db();
        var command = new Command("telemetry", "ingest aggregates/s and memory per 1,000 devices") { devices, minutes, inFlight, db }
            .WithDetails("""
                Starts a throwaway cloud node in this process (SQLite in a temp folder unless --db) and ingests --minutes
                one-minute aggregates from each of --devices simulated devices; prints the median aggregates/s over the
                per-minute rounds and the memory the windows take per 1,000 devices.
                """);
        command.SetAction(async (r, _) =>
        {
            var json = r.GetValue(FleetCli.Json);
            var b = await IngestBenchmark.RunAsync(Math.Max(1, r.GetValue(devices)), Math.Max(1, r.GetValue(minutes)), Math.Max(1, r.GetValue(inFlight)),
                r.GetValue(db), line => { if (!json) Console.Error.WriteLine(line); });
            if (json) { Console.WriteLine(JsonSerializer.Serialize(b, FleetJson.Indented)); return 0; }
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores; db {b.Db}");
            Console.WriteLine($"cloud ingest: {b.Devices} devices x {b.Minutes} minutes = {b.Accepted} aggregates acknowledged after the journal and report writes");
            Console.WriteLine($"  median {b.MedianAggregatesPerSecond:0} aggregates/s per round (min {b.RoundRates.Min():0}, max {b.RoundRates.Max():0})");
            Console.WriteLine($"  memory for {b.Minutes} minute windows: {b.HeapMbPer1000Devices:0.0} MB managed heap, {b.RssMbPer1000Devices:0.0} MB RSS per 1,000 devices");
            return 0;
        });
        return command;
    }

    private static Command Report()
    {
        var devices = CliOption.Int("--devices", 50, "simulated devices", 1, 100_000);
        var days = CliOption.Int("--days", 7, "days of one-minute aggregates to ingest", 1, 365);
        var queries = CliOption.Int("--queries", 50, "report requests to time", 1, 10_000);
        var budget = CliOption.Int("--budget-ms", 1000, "exit 1 when the p99 is over this", 1, 600_000);
        var inFlight = CliOption.Int("--in-flight", 256, "aggregates in flight at once", 1, 10_000);
        var db = Db();
        var command = new Command("report", "lift report latency on a simulated week; exits 1 when the p99 is over --budget-ms") { devices, days, queries, budget, inFlight, db }
            .WithDetails("""
                Starts a throwaway cloud node the same way, ingests --days of one-minute aggregates with both arms
                (personalised and holdout) from --devices simulated devices through the ingest singleton, then asks
                GET /api/v1/reports/campaigns/summer-sale?since=<days>d --queries times; prints the ingest time and the
                report's median and p99 latency.
                """);
        command.SetAction(async (r, _) =>
        {
            var json = r.GetValue(FleetCli.Json);
            var b = await ReportBenchmark.RunAsync(r.GetValue(devices), r.GetValue(days), r.GetValue(inFlight), r.GetValue(queries), r.GetValue(budget),
                r.GetValue(db), line => { if (!json) Console.Error.WriteLine(line); });
            var over = b.P99Ms > b.BudgetMs;
            if (json) Console.Write(CliJson.Of(b));
            else
            {
                Console.WriteLine($"machine: {Environment.ProcessorCount} cores; db {b.Db}");
                Console.WriteLine($"ingest: {b.Devices} devices x {b.Days} days = {b.Batches:N0} minute aggregates ({b.Impressions:N0} impressions) in {b.IngestSeconds:0.0} s ({b.BatchesPerSecond:N0}/s), each acknowledged after the journal and report writes");
                Console.WriteLine($"report campaign summer-sale --since {b.Days}d over the API: median {b.MedianMs:0.0} ms, p99 {b.P99Ms:0.0} ms ({b.Queries} queries; budget {b.BudgetMs:0} ms)");
                Console.Write(ReportVerb.Table(b.Report, $"{b.Days}d"));
            }
            if (over) Console.Error.WriteLine($"report p99 {b.P99Ms:0.0} ms is over the budget of {b.BudgetMs:0} ms");
            return over ? 1 : 0;
        });
        return command;
    }
}
