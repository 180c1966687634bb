using System.Diagnostics;
using Fleet.Shared.Manifests;

namespace Fleet.Bench;

/// <summary>
/// Time to automatic rollback: each round publishes a corrupt model as a new version, starts a rollout of it to N
/// in-process devices and polls the rollout until the gates have rolled it back and every cohort device confirmed.
/// </summary>
public static class RolloutBenchmark
{
    public sealed record Result(int Edges, int Rounds, int CohortSize, double JoinSeconds, Stats StartToBreachMs, Stats StartToRolledBackMs, IReadOnlyList<string> BreachReasons);

    public static async Task<Result> RunAsync(string cloudDll, int edges, int rounds, Action<string> progress)
    {
        var root = Path.Combine(Path.GetTempPath(), "fleet-bench-rollout-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var cloud = await BenchCloud.StartAsync(cloudDll, Path.Combine(root, "cloud"), JoinBenchmark.FreePort(), JoinBenchmark.FreePort());
            var join = Stopwatch.StartNew();
            await using var fleet = InProcessFleet.Start(cloud.Seed, edges, root, "rollout-bench-");
            await InProcessFleet.WaitRegisteredAsync(cloud, "rollout-bench-", edges, TimeSpan.FromMinutes(3));
            var joinSeconds = join.Elapsed.TotalSeconds;
            progress($"{edges} devices registered in {joinSeconds:0.0} s");

            var breach = new List<double>();
            var rolledBack = new List<double>();
            var reasons = new List<string>();
            var cohort = 0;
            for (var round = 1; round <= rounds; round++)
            {
                var corrupt = new byte[64 * 1024];
                new Random(round).NextBytes(corrupt);
                using (await cloud.PostBytesAsync($"api/v1/models?name={DefaultModel.Ref.Name}&version=1.1.{round}", corrupt)) { }
                var sw = Stopwatch.StartNew();
                using var started = await cloud.PostJsonAsync("api/v1/rollouts",
                    new { artifact = $"model:{DefaultModel.Ref.Name}@1.1.{round}", stages = new[] { 25.0, 100.0 }, bake = "10m", reason = "benchmark: corrupt model" });
                var id = started.RootElement.GetProperty("id").GetString()!;
                while (true)
                {
                    using var view = await cloud.GetJsonAsync($"api/v1/rollouts/{id}");
                    var status = view.RootElement.GetProperty("status").GetString();
                    if (status is "rolling-back" or "rolled-back" && breach.Count < round)
                    {
                        breach.Add(sw.Elapsed.TotalMilliseconds);
                        reasons.Add(view.RootElement.GetProperty("history").EnumerateArray().Last(h => h.GetProperty("what").GetString() == "rolling-back").GetProperty("why").GetString()!);
                    }
                    if (status == "rolled-back")
                    {
                        rolledBack.Add(sw.Elapsed.TotalMilliseconds);
                        cohort = view.RootElement.GetProperty("devices").GetArrayLength();
                        break;
                    }
                    if (status is "completed" or "paused") throw new Shared.Cli.FleetException($"round {round}: the corrupt model was not rolled back (status {status})");
                    if (sw.Elapsed > TimeSpan.FromSeconds(120)) throw new Shared.Cli.FleetException($"round {round}: no rollback after 120 s (status {status})");
                    await Task.Delay(50);
                }
                progress($"round {round}/{rounds}: breach after {breach[^1]:0} ms, cohort of {cohort} back on the previous model after {rolledBack[^1]:0} ms");
            }
            return new Result(edges, rounds, cohort, joinSeconds, Stats.Of(breach), Stats.Of(rolledBack), reasons.Distinct().ToList());
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }
}
