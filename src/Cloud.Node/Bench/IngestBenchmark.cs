using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Persistence;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Bench;

/// <summary>
/// Cloud ingest: one real cloud node (cluster, journal, ingest singleton) in this process; <c>devices</c> simulated
/// devices each upload <c>minutes</c> one-minute aggregates, a window of batches in flight, every one acknowledged
/// only after its journal and report writes. Reports aggregates/s per round (median) and managed memory per 1,000 devices.
/// </summary>
public static class IngestBenchmark
{
    public sealed record Result(int Devices, int Minutes, string Db, IReadOnlyList<double> RoundRates, double MedianAggregatesPerSecond,
        double HeapMbPer1000Devices, double RssMbPer1000Devices, long Accepted);

    public static async Task<Result> RunAsync(int devices, int minutes, int inFlight, string? db, Action<string> progress)
    {
        var dir = Path.Combine(Path.GetTempPath(), "fleet-bench-ingest-" + Guid.NewGuid().ToString("N")[..8]);
        var target = db is null ? DbTarget.Sqlite(Path.Combine(dir, "fleet.db")) : DbTarget.Parse(db);
        await target.EnsureReachableAsync();
        var port = FreePort();
        var app = CloudHost.Build(new CloudOptions
        {
            Port = port, HttpUrl = $"http://127.0.0.1:{FreePort()}", DataDir = dir, Db = target, AdminToken = "bench", InsecureDev = true,
            TelemetryRetention = TimeSpan.FromDays(30), AkkaLogLevel = "ERROR",
        });
        await app.StartAsync();
        try
        {
            var ingest = await app.Services.GetRequiredService<IRequiredActor<TelemetryIngestKey>>().GetAsync();
            await WaitReady(ingest);
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var heapBefore = GC.GetTotalMemory(true);
            var rssBefore = Environment.WorkingSet;
            var start = DateTimeOffset.UtcNow.AddMinutes(-minutes);
            var rates = new List<double>();
            long accepted = 0;
            for (var m = 0; m < minutes; m++)
            {
                var batches = Enumerable.Range(0, devices).Select(d => new TelemetryProtocol.Batch($"bench-{d:D5}", m + 1, Array.Empty<long>(),
                    AggregateCodec.Encode(SyntheticTelemetry.Minute(start.AddMinutes(m), 1 + d % 3)), 0, new Dictionary<string, string> { ["store"] = $"s{d % 50}" })).ToList();
                var sw = Stopwatch.StartNew();
                accepted += await SendAll(ingest, batches, inFlight);
                rates.Add(devices / sw.Elapsed.TotalSeconds);
                if ((m + 1) % 10 == 0 || m == minutes - 1) progress($"minute {m + 1}/{minutes}: {rates[^1]:0} aggregates/s");
            }
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var heapMb = (GC.GetTotalMemory(true) - heapBefore) / 1048576.0 * 1000 / devices;
            var rssMb = (Environment.WorkingSet - rssBefore) / 1048576.0 * 1000 / devices;
            var sorted = rates.Order().ToArray();
            return new Result(devices, minutes, target.Describe(), rates, sorted[sorted.Length / 2], Math.Round(heapMb, 1), Math.Round(rssMb, 1), accepted);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    internal static async Task<long> SendAll(IActorRef ingest, IReadOnlyList<TelemetryProtocol.Batch> batches, int inFlight)
    {
        long ok = 0;
        using var gate = new SemaphoreSlim(inFlight);
        var tasks = batches.Select(async b =>
        {
            await gate.WaitAsync();
            try
            {
                var reply = await ingest.Ask<object>(b, TimeSpan.FromSeconds(60));
                if (reply is TelemetryProtocol.Ack { Duplicate: false }) Interlocked.Increment(ref ok);
                else throw new InvalidOperationException($"unexpected reply {reply}");
            }
            finally { gate.Release(); }
        }).ToList();
        await Task.WhenAll(tasks);
        return ok;
    }

    internal static async Task WaitReady(IActorRef ingest)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await ingest.Ask<TelemetryReport>(new TelemetryProtocol.Query(null, null, null, 60), TimeSpan.FromSeconds(2));
                return;
            }
            catch (Exception) when (sw.Elapsed < TimeSpan.FromSeconds(60)) { }
        }
    }

    internal static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
