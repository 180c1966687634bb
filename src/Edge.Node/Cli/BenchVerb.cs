using System.Text.Json;
using Fleet.Edge.Bench;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge bench join</c>: device join and registration timings, printed as medians.</summary>
public static class BenchVerb
{
    public static readonly Verb Verb = new("bench", "benchmarks: 'bench join' (join -> registered), 'bench telemetry' (outbox cost, upload bytes)", RunAsync);

    private const string Usage = """
        usage: fleet-edge bench join [--samples 10] [--edges 20] [--cloud-dll PATH] [--json]
          starts a throwaway cloud node (FLEET_CLOUD_DLL or --cloud-dll), then measures
          (1) fleet-edge process start -> registered, one process per sample, and
          (2) --edges devices started at once in this process -> all registered.
               fleet-edge bench telemetry [--renders 5000] [--json]
          outbox write cost per render (p50 us) and upload bytes per device per hour at one render a minute.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Positionals is ["telemetry"] && !a.Flag("help")) return Telemetry(a);
        if (a.Flag("help") || a.Positionals is not ["join"]) { Console.WriteLine(Usage); return a.Flag("help") ? 0 : 2; }
        a.RejectUnknown("samples", "edges", "cloud-dll");
        var cloudDll = a.Get("cloud-dll") ?? Environment.GetEnvironmentVariable("FLEET_CLOUD_DLL")
                       ?? throw new UsageException("where is fleet-cloud? pass --cloud-dll PATH or run ./fleet bench join");
        var json = a.Flag("json");
        var r = await JoinBenchmark.RunAsync(cloudDll, a.GetInt("samples", 10), a.GetInt("edges", 20), line => { if (!json) Console.Error.WriteLine(line); });
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(r, FleetJson.Indented));
            return 0;
        }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
        Console.WriteLine($"edge process start -> registered   n={r.ProcessStartToRegisteredMs.Count}  p50 {r.ProcessStartToRegisteredMs.P50:0} ms  p95 {r.ProcessStartToRegisteredMs.P95:0} ms  max {r.ProcessStartToRegisteredMs.Max:0} ms   (budget p50 <= 3000 ms)");
        Console.WriteLine($"{r.Edges} in-process edges -> all registered   {r.AllRegisteredSeconds:0.00} s   per device p50 {r.InProcessRegisteredMs.P50:0} ms  max {r.InProcessRegisteredMs.Max:0} ms   (budget <= 15 s)");
        return 0;
    }

    private static int Telemetry(CommandArgs a)
    {
        a.RejectUnknown("renders");
        var r = TelemetryBenchmark.Run(Math.Max(100, a.GetInt("renders", 5000)));
        if (a.Flag("json")) { Console.WriteLine(JsonSerializer.Serialize(r, FleetJson.Indented)); return 0; }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
        Console.WriteLine($"outbox write per render (fold + SQLite upsert, WAL)   n={r.WriteMicros.Count}  p50 {r.WriteMicros.P50:0} us  p95 {r.WriteMicros.P95:0} us  (fold alone p50 {r.FoldMicros.P50:0} us)");
        Console.WriteLine($"upload at 1 render + 1 impression a minute: {r.BatchesPerHour} batches/hour, {r.TotalBytesPerHour} bytes/device/hour " +
                          $"({r.PayloadBytesPerHour} Hyperion payload of batches and acks + {r.EnvelopeBytesPerHour} remoting envelope)");
        return 0;
    }
}
