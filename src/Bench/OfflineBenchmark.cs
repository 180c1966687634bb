using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Fleet.Shared.IO;

namespace Fleet.Bench;

/// <summary>
/// A kiosk without its cloud: a real <c>fleet-edge agent</c> process whose cloud never answers (development membership
/// with a seed on a closed port, so every join attempt fails and the agent keeps retrying) serves its campaign from a
/// folder while a player asks for an ad every <c>--every</c> for <c>--minutes</c>, with contexts that vary as a day's
/// would (so renders are a mix of fresh ones and cache hits). Every request must be answered with a playable ad.
/// </summary>
public static class OfflineBenchmark
{
    public sealed record Result(double Minutes, int Requests, int Answered, int Failed, Stats AnswerMs, int JoinAttempts, IReadOnlyList<string> Failures)
    {
        public bool AllAnswered => Requests > 0 && Failed == 0;
    }

    private static readonly string[] Dayparts = ["morning", "afternoon", "evening", "night"];
    private static readonly string[] Weathers = ["sun", "rain", "heat", "clouds"];

    public static async Task<Result> RunAsync(string campaignDir, TimeSpan duration, TimeSpan every, Action<string> progress)
    {
        var data = Directory.CreateTempSubdirectory("fleet-bench-offline").FullName;
        var http = JoinBenchmark.FreePort();
        try
        {
            using var agent = FleetProcess.Edge("agent", "--insecure-dev", "--seed", $"127.0.0.1:{JoinBenchmark.FreePort()}",
                "--campaign", Path.GetFullPath(campaignDir), "--http", $"{http}", "--data", data);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromSeconds(30) };
            await UntilServingAsync(client, agent);
            var times = new List<double>();
            var failures = new List<string>();
            var clock = Stopwatch.StartNew();
            var i = 0;
            while (clock.Elapsed < duration)
            {
                var due = every * i;
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
                var context = new
                {
                    daypart = Dayparts[i / 60 % Dayparts.Length],
                    weather = Weathers[i % Weathers.Length],
                    locale = "en-US",
                    fields = new Dictionary<string, string> { ["price"] = $"${5 + i % 40}.99" },
                };
                var sw = Stopwatch.StartNew();
                var error = await RenderAsync(client, context);
                if (error is null) times.Add(sw.Elapsed.TotalMilliseconds);
                else failures.Add($"request {i + 1} at {clock.Elapsed.TotalSeconds:0} s: {error}");
                i++;
                if (i % 60 == 0) progress($"{clock.Elapsed.TotalMinutes:0.#} min: {times.Count} of {i} answered");
            }
            var joins = agent.Lines.Count(l => l.Contains("join attempt", StringComparison.Ordinal));
            return new Result(clock.Elapsed.TotalMinutes, i, times.Count, failures.Count, Stats.Of(times), joins, failures.Take(20).ToList());
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Null when the device answered with a playable ad; otherwise what went wrong, in one line.</summary>
    private static async Task<string?> RenderAsync(HttpClient client, object context)
    {
        try
        {
            using var response = await client.PostAsJsonAsync("v1/render", new { context });
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) return $"HTTP {(int)response.StatusCode}: {body.Split('\n')[0]}";
            using var json = JsonDocument.Parse(body);
            var url = json.RootElement.GetProperty("url").GetString();
            using var video = await client.GetAsync(url!.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead);
            return video.IsSuccessStatusCode ? null : $"{url}: HTTP {(int)video.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return e.GetType().Name + ": " + e.Message.Split('\n')[0];
        }
    }

    private static async Task UntilServingAsync(HttpClient client, FleetProcess agent)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (agent.HasExited) throw new Shared.Cli.FleetException($"the agent exited ({agent.ExitCode}): {string.Join(" | ", agent.Lines.TakeLast(5))}");
            try { if ((await client.GetAsync("healthz")).IsSuccessStatusCode) return; } catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new Shared.Cli.FleetException("the agent's local API did not answer within 60 s");
    }
}
