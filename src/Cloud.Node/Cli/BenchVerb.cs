using System.Text.Json;
using Fleet.Cloud.Bench;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud bench telemetry</c>: ingest throughput and memory per 1,000 devices.</summary>
public static class BenchVerb
{
    public static readonly Verb Verb = new("bench", "benchmarks: 'bench telemetry' (ingest aggregates/s, memory per 1,000 devices)", RunAsync);

    private const string Usage = """
        usage: fleet-cloud bench telemetry [--devices 1000] [--minutes 30] [--in-flight 256] [--db sqlite:PATH|postgres:CONNSTR] [--json]
          starts a throwaway cloud node in this process (SQLite in a temp folder unless --db) and ingests --minutes
          one-minute aggregates from each of --devices simulated devices; prints the median aggregates/s over the
          per-minute rounds and the memory the windows take per 1,000 devices.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help") || a.Positionals is not ["telemetry"]) { Console.WriteLine(Usage); return a.Flag("help") ? 0 : 2; }
        a.RejectUnknown("devices", "minutes", "in-flight", "db");
        var json = a.Flag("json");
        var r = await IngestBenchmark.RunAsync(Math.Max(1, a.GetInt("devices", 1000)), Math.Max(1, a.GetInt("minutes", 30)),
            Math.Max(1, a.GetInt("in-flight", 256)), a.Get("db"), line => { if (!json) Console.Error.WriteLine(line); });
        if (json) { Console.WriteLine(JsonSerializer.Serialize(r, FleetJson.Indented)); return 0; }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; db {r.Db}");
        Console.WriteLine($"cloud ingest: {r.Devices} devices x {r.Minutes} minutes = {r.Accepted} aggregates acknowledged after the journal write");
        Console.WriteLine($"  median {r.MedianAggregatesPerSecond:0} aggregates/s per round (min {r.RoundRates.Min():0}, max {r.RoundRates.Max():0})");
        Console.WriteLine($"  memory for {r.Minutes} minute windows: {r.HeapMbPer1000Devices:0.0} MB managed heap, {r.RssMbPer1000Devices:0.0} MB RSS per 1,000 devices");
        return 0;
    }
}
