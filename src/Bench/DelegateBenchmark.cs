using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Fleet.Edge.Hosting;
using Fleet.Edge.Rendering;
using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;
using Fleet.Shared.Serialization;

namespace Fleet.Bench;

/// <summary>
/// Render delegation, measured on loopback: a throwaway cloud (control + render worker) and one device in this process.
/// (1) A 10 s 1080p render requested on the device (720p capable) → MP4 on the device, each with new copy so none is
/// a cache hit or the same job; the first includes the worker's one-off 1080p template preparation and is reported apart.
/// (2) One worker's throughput for the sample template (720p), with jobs always waiting for it.
/// </summary>
public static class DelegateBenchmark
{
    public sealed record Result(int Cores, int Runs, double FirstMs, Stats DelegatedMs, Stats WorkerSeconds, string Encoder,
        int ThroughputJobs, double RendersPerMinute, Stats ThroughputWorkerSeconds);

    public static async Task<Result> RunAsync(string cloudDll, string campaignDir, int runs, int jobs, Action<string> progress)
    {
        var root = Path.Combine(Path.GetTempPath(), "fleet-bench-delegate-" + Guid.NewGuid().ToString("N")[..8]);
        var api = JoinBenchmark.FreePort();
        try
        {
            // The sample's assets are generated (idempotent), as ./fleet demo does.
            if (File.Exists(Path.Combine(campaignDir, "make-assets.sh"))) await ChildProcess.CheckedAsync("bash", Path.Combine(campaignDir, "make-assets.sh"));
            using var cloud = await BenchCloud.StartAsync(cloudDll, Path.Combine(root, "cloud"), JoinBenchmark.FreePort(), api);
            await ChildProcess.CloudCliAsync(cloudDll, "campaign", "publish", Path.GetFullPath(campaignDir), "--api", $"http://127.0.0.1:{api}", "--data", Path.Combine(root, "cloud"));
            using (await cloud.PostJsonAsync("api/v1/campaigns/summer-sale/assignments", new { tags = new { } })) { }
            var http = JoinBenchmark.FreePort();
            AgentLog.Enabled = false;
            using var stop = new CancellationTokenSource();
            var agent = Task.Run(() => EdgeAgent.RunAsync(new EdgeOptions
            {
                Seeds = new[] { SeedAddress.Parse(cloud.Seed) }, DeviceId = "bench-delegate", DataDir = Path.Combine(root, "edge"), InsecureDev = true, HttpPort = http,
            }, Array.Empty<string>(), stop.Token));
            try
            {
                await cloud.WaitRunningAsync("summer-sale", 1, TimeSpan.FromMinutes(2));
                progress("device running summer-sale v1");
                using var local = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromMinutes(3) };
                var delegated = new List<double>();
                var workerSeconds = new List<double>();
                double first = 0;
                var encoder = "";
                for (var i = 0; i <= runs; i++)
                {
                    var sw = Stopwatch.StartNew();
                    using var answer = await local.PostAsJsonAsync("v1/render", new
                    {
                        resolution = "1080p", headline = "Sunglasses from {{price}}", cta = "Shop now", no_cache = true,
                        context = new { fields = new Dictionary<string, string> { ["price"] = $"${10 + i}.99" } },
                    }, FleetJson.Options);
                    var reply = JsonSerializer.Deserialize<RenderEndpoints.RenderReply>(await answer.Content.ReadAsStringAsync(), FleetJson.Options)!;
                    var ms = sw.Elapsed.TotalMilliseconds;
                    if (reply.Outcome.Path != "cloud") throw new FleetException($"render {i} was not delegated: {string.Join(", ", reply.Outcome.Fallbacks)}");
                    encoder = reply.Outcome.Encoder.Replace(Delegation.CloudEncoder(""), "");
                    if (i == 0) first = ms; else delegated.Add(ms);
                    progress($"delegated 1080p render {i}{(i == 0 ? " (cold: worker prepares the 1080p template)" : "")}: {ms:0} ms on the device ({encoder})");
                }
                using (var list = await cloud.GetJsonAsync("api/v1/renders"))
                    foreach (var j in list.RootElement.GetProperty("jobs").EnumerateArray().Take(runs)) // newest first: the warm ones
                        workerSeconds.Add(j.GetProperty("render_seconds").GetDouble() * 1000);

                await ThroughputAsync(cloud, 1, 1000, _ => { }); // the worker prepares the 720p template once, untimed
                var (perMinute, seconds) = await ThroughputAsync(cloud, jobs, 0, progress);
                return new Result(Environment.ProcessorCount, runs, first, Stats.Of(delegated), Stats.Of(workerSeconds), encoder, jobs, perMinute, Stats.Of(seconds));
            }
            finally
            {
                await stop.CancelAsync();
                try { await agent.WaitAsync(TimeSpan.FromSeconds(20)); } catch (Exception) { }
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Jobs for the sample template at its own 720p, two always waiting (the per-device limit), until all are done.</summary>
    private static async Task<(double PerMinute, List<double> WorkerMs)> ThroughputAsync(BenchCloud cloud, int jobs, int firstPrice, Action<string> progress)
    {
        var pending = new Queue<int>(Enumerable.Range(firstPrice, jobs));
        var open = new List<string>();
        var workerMs = new List<double>();
        var sw = Stopwatch.StartNew();
        while (pending.Count > 0 || open.Count > 0)
        {
            while (open.Count < 2 && pending.TryDequeue(out var n))
            {
                using var ticket = await cloud.PostJsonAsync("api/v1/renders/jobs", new
                {
                    device_id = "bench-delegate", campaign_id = "summer-sale", height = 720,
                    fields = new Dictionary<string, string> { ["headline"] = "Summer Sale: everything half price", ["cta"] = "Shop now", ["price"] = $"${n}.49" },
                    voice_line = "Summer Sale: everything half price. Shop now",
                });
                open.Add(ticket.RootElement.GetProperty("job_id").GetString()!);
            }
            await Task.Delay(50);
            foreach (var id in open.ToList())
            {
                using var job = await cloud.GetJsonAsync($"api/v1/renders/jobs/{id}");
                var status = job.RootElement.GetProperty("status").GetString();
                if (status == "failed") throw new FleetException($"job {id} failed: {job.RootElement.GetProperty("error").GetString()}");
                if (status != "done") continue;
                open.Remove(id);
                workerMs.Add(job.RootElement.GetProperty("render_seconds").GetDouble() * 1000);
            }
            if (sw.Elapsed > TimeSpan.FromMinutes(10)) throw new FleetException("throughput run did not finish within 10 minutes");
        }
        var perMinute = jobs / sw.Elapsed.TotalMinutes;
        progress($"one worker: {jobs} renders of the sample template in {sw.Elapsed.TotalSeconds:0.0} s = {perMinute:0.0} renders/minute");
        return (perMinute, workerMs);
    }
}
