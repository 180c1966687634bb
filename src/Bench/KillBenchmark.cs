using System.Diagnostics;

namespace Fleet.Bench;

/// <summary>
/// Kill-switch engage -> every device acknowledged, with N in-process devices: each round engages (or releases) a kill
/// and polls the cloud's status until nothing is pending; the latencies are the cloud's engage->ack times per device.
/// With <c>rotate</c> each round first rotates the signing keys and times every device's confirmation of the new trust
/// (<c>keys status</c>), so the kill that follows is one signed by a key the devices did not hold a moment before.
/// </summary>
public static class KillBenchmark
{
    public const double AckP99BudgetMs = 500;

    /// <param name="RotatedMs">Per device: keys rotated (the API answered) -> the device seen on the new trust version.</param>
    /// <param name="AllRotatedMs">Per round: keys rotated -> every device on the new trust version.</param>
    public sealed record Result(int Edges, int Rounds, double JoinSeconds, Stats AckMs, Stats AllAckedMs, Stats? RotatedMs = null, Stats? AllRotatedMs = null)
    {
        public bool WithinBudget => AckMs.P99 <= AckP99BudgetMs;
    }

    public static async Task<Result> RunAsync(string cloudDll, int edges, int rounds, Action<string> progress, bool mtls = false, bool rotate = false)
    {
        if (rotate && !mtls) throw new Shared.Cli.FleetException("--rotate needs --mtls: only enrolled devices take signed trust updates");
        var root = Path.Combine(Path.GetTempPath(), "fleet-bench-kill-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var cloud = await BenchCloud.StartAsync(cloudDll, Path.Combine(root, "cloud"), JoinBenchmark.FreePort(), JoinBenchmark.FreePort(), mtls);
            InProcessFleet.Enrol(cloud, edges, root, "kill-bench-");
            var join = Stopwatch.StartNew();
            await using var fleet = InProcessFleet.Start(cloud.Seed, edges, root, "kill-bench-", insecureDev: !mtls);
            // On 2 cores a hundred in-process devices need minutes to join: allow 3 s per device, at least 3 minutes.
            await InProcessFleet.WaitRegisteredAsync(cloud, "kill-bench-", edges, TimeSpan.FromSeconds(Math.Max(180, 3 * edges)));
            var joinSeconds = join.Elapsed.TotalSeconds;
            progress($"{edges} devices registered in {joinSeconds:0.0} s");
            await Task.Delay(TimeSpan.FromSeconds(2)); // let every device finish its first policy sync

            var perDevice = new List<double>();
            var allAcked = new List<double>();
            var rotated = new List<double>();
            var allRotated = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                if (rotate)
                {
                    var (each, all) = await RotateAsync(cloud, edges);
                    rotated.AddRange(each);
                    allRotated.Add(all);
                    progress($"round {round}/{rounds}: keys rotated, every device on the new trust after {all:0} ms");
                }
                var sw = Stopwatch.StartNew();
                using var engaged = await cloud.PostJsonAsync("api/v1/kill", new { scope = $"model:bench@1.0.{round}", reason = "benchmark" });
                var id = engaged.RootElement.GetProperty("directive").GetProperty("id").GetString()!;
                while (true)
                {
                    using var status = await cloud.GetJsonAsync($"api/v1/kill/{id}");
                    if (status.RootElement.GetProperty("pending").GetInt32() == 0)
                    {
                        allAcked.Add(sw.Elapsed.TotalMilliseconds);
                        foreach (var d in status.RootElement.GetProperty("devices").EnumerateArray())
                            if (d.TryGetProperty("ack_ms", out var ms)) perDevice.Add(ms.GetDouble());
                        break;
                    }
                    if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new Shared.Cli.FleetException($"round {round}: devices still pending after 60 s");
                    await Task.Delay(20);
                }
                progress($"round {round}/{rounds}: all {edges} acknowledged, observed after {allAcked[^1]:0} ms");
            }
            return new Result(edges, rounds, joinSeconds, Stats.Of(perDevice), Stats.Of(allAcked),
                rotate ? Stats.Of(rotated) : null, rotate ? Stats.Of(allRotated) : null);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Rotates, then polls <c>keys status</c>: when each device was first seen on the new version, and when all were.</summary>
    private static async Task<(List<double> Each, double All)> RotateAsync(BenchCloud cloud, int edges)
    {
        using (await cloud.PostJsonAsync("api/v1/keys/rotate", new { })) { }
        var sw = Stopwatch.StartNew();
        var seen = new Dictionary<string, double>(StringComparer.Ordinal);
        while (true)
        {
            using var status = await cloud.GetJsonAsync("api/v1/keys/status");
            var behind = status.RootElement.GetProperty("behind").EnumerateArray().Select(d => d.GetProperty("device_id").GetString()!).ToHashSet(StringComparer.Ordinal);
            foreach (var id in InProcessFleet.Ids("kill-bench-", edges).Where(id => !behind.Contains(id))) seen.TryAdd(id, sw.Elapsed.TotalMilliseconds);
            if (seen.Count == edges) return (seen.Values.ToList(), sw.Elapsed.TotalMilliseconds);
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new Shared.Cli.FleetException($"{edges - seen.Count} devices still on the old trust 60 s after a rotation");
            await Task.Delay(20);
        }
    }
}
