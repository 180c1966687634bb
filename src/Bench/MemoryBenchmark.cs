using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Fleet.Edge.Rendering;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;
using Fleet.Shared.Personalisation.Embedding;
using Fleet.Shared.Serialization;

namespace Fleet.Bench;

/// <summary>
/// A device's memory through its model's life on a fleet: a real, enrolled agent process connected through the device
/// gateway of a throwaway cloud. First the sample campaign on the built-in fp32 model. Then the model quantised to INT8 weights
/// (<c>fleet-cloud model quantize --plan weight-only</c>), published, and the campaign's next version pinned to it: the
/// device fetches and runs it, and closes the built-in model's session once no render uses it (<c>--model-unload-after</c>).
/// Per phase: the peak of the agent's RSS plus its children's PSS (ffmpeg, espeak-ng), sampled every 50 ms during the
/// renders; then, after renders stop, the agent's RSS and its children's PSS.
/// </summary>
public static class MemoryBenchmark
{
    /// <summary>DESIGN.md's device budgets: idle agent on the INT8 model, and agent + children during renders.</summary>
    public const double IdleBudgetMb = 250, PeakBudgetMb = 400;

    private const string Campaign = "summer-sale", Int8Model = "all-minilm-l6-v2@1.1.0";

    /// <param name="PeakAgentMb">The agent's part of <paramref name="PeakMb"/> (the rest is its children's).</param>
    public sealed record Phase(string Model, double PeakMb, double PeakAgentMb, double IdleAgentMb, double IdleChildrenMb, int IdleChildren);

    public sealed record Result(int Renders, int IdleSeconds, Phase Fp32, Phase Int8)
    {
        public IReadOnlyList<string> Missed =>
        [
            .. Int8.IdleAgentMb > IdleBudgetMb ? [$"idle agent on the INT8 model {Int8.IdleAgentMb:0} MB > {IdleBudgetMb} MB"] : Array.Empty<string>(),
            .. new[] { Fp32, Int8 }.Where(p => p.PeakMb > PeakBudgetMb).Select(p => $"peak during renders on {p.Model} {p.PeakMb:0} MB > {PeakBudgetMb} MB"),
        ];
    }

    public static async Task<Result> RunAsync(string cloudDll, string campaignDir, int renders, TimeSpan idle, Action<string> progress)
    {
        var root = Directory.CreateTempSubdirectory("fleet-bench-memory-").FullName;
        var api = JoinBenchmark.FreePort();
        try
        {
            if (File.Exists(Path.Combine(campaignDir, "make-assets.sh"))) await ChildProcess.CheckedAsync("bash", Path.Combine(campaignDir, "make-assets.sh"));
            using var cloud = await BenchCloud.StartAsync(cloudDll, Path.Combine(root, "cloud"), JoinBenchmark.FreePort(), api, mtls: true);
            string[] Cli(params string[] args) => [.. args, "--api", $"http://127.0.0.1:{api}", "--data", Path.Combine(root, "cloud")];
            await ChildProcess.CloudCliAsync(cloudDll, Cli("campaign", "publish", Path.GetFullPath(campaignDir)));
            using (await cloud.PostJsonAsync($"api/v1/campaigns/{Campaign}/assignments", new { tags = new { } })) { }

            var http = JoinBenchmark.FreePort();
            // Enrolled, through the cloud's device gateway (gRPC, mutual TLS), as devices run.
            cloud.Enrol("bench-memory", Path.Combine(root, "edge"));
            using var agent = FleetProcess.Edge("agent", "--data", Path.Combine(root, "edge"), "--http", $"{http}", "--model-unload-after", "5s");
            using var local = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromMinutes(2) };
            await cloud.WaitRunningAsync(Campaign, 1, TimeSpan.FromMinutes(2));
            progress("device running summer-sale v1 on the built-in model");
            var fp32 = await PhaseAsync(agent, local, "all-minilm-l6-v2@1.0.0", renders, idle, progress);

            progress("quantising the model to INT8 weights, publishing it and pinning summer-sale v2 to it");
            var int8 = Path.Combine(root, "int8", "model.onnx");
            await ChildProcess.CloudCliAsync(cloudDll, "model", "quantize", MiniLmOptions.Default.ModelPath, "--out", int8, "--campaign", Path.GetFullPath(campaignDir),
                "--plan", "weight-only");
            await ChildProcess.CloudCliAsync(cloudDll, Cli("model", "publish", int8, "--name", Int8Model.Split('@')[0], "--version", Int8Model.Split('@')[1]));
            await ChildProcess.CloudCliAsync(cloudDll, Cli("campaign", "publish", Path.GetFullPath(campaignDir), "--model", Int8Model));
            await cloud.WaitRunningAsync(Campaign, 2, TimeSpan.FromMinutes(2));
            var clock = Stopwatch.StartNew();
            while ((await RenderAsync(local, 0)).Outcome.Artifacts.Model != Int8Model)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new FleetException($"the device did not render with {Int8Model} within 2 minutes");
                await Task.Delay(500);
            }
            // Measured once the switch is over: the built-in model's session closed, as it stays on such a device.
            clock.Restart();
            while (!agent.Lines.Any(l => l.Contains("personalise: closed the session of the built-in model", StringComparison.Ordinal)))
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(1)) throw new FleetException("the agent never closed the built-in model's session");
                await Task.Delay(200);
            }
            var quantised = await PhaseAsync(agent, local, Int8Model, renders, idle, progress);
            return new Result(renders, (int)idle.TotalSeconds, fp32, quantised);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Renders while sampling, then waits out the idle time and measures.</summary>
    private static async Task<Phase> PhaseAsync(FleetProcess agent, HttpClient local, string model, int renders, TimeSpan idle, Action<string> progress)
    {
        using var sampling = new CancellationTokenSource();
        var peak = Task.Run(async () =>
        {
            (double Total, double Agent) max = (0, 0);
            while (!sampling.IsCancellationRequested)
            {
                var own = ProcessProbe.RssMb(agent.Pid);
                var total = own + ProcessProbe.ChildrenPssMb(agent.Pid);
                if (total > max.Total) max = (total, own);
                await Task.Delay(50);
            }
            return max;
        });
        for (var i = 1; i <= renders; i++)
        {
            var reply = await RenderAsync(local, i);
            if (reply.Outcome.Artifacts.Model != model) throw new FleetException($"render {i} used {reply.Outcome.Artifacts.Model}, not {model}");
        }
        await sampling.CancelAsync();
        var (peakMb, peakAgentMb) = await peak;
        await Task.Delay(idle);
        var phase = new Phase(model, peakMb, peakAgentMb, ProcessProbe.RssMb(agent.Pid), ProcessProbe.ChildrenPssMb(agent.Pid), ProcessTree.ChildrenOf(agent.Pid).Count);
        progress($"{model}: peak {phase.PeakMb:0} MB (agent {phase.PeakAgentMb:0}) during {renders} renders; idle agent {phase.IdleAgentMb:0} MB, children {phase.IdleChildrenMb:0} MB ({phase.IdleChildren})");
        return phase;
    }

    private static async Task<RenderEndpoints.RenderReply> RenderAsync(HttpClient local, int i)
    {
        using var answer = await local.PostAsJsonAsync("v1/render", new
        {
            no_cache = true,
            context = new { locale = i % 3 == 0 ? "de-DE" : "en-US", weather = i % 2 == 0 ? "sunny" : "rain", fields = new Dictionary<string, string> { ["price"] = $"${5 + i % 20}.99" } },
        }, FleetJson.Options);
        var body = await answer.Content.ReadAsStringAsync();
        if (!answer.IsSuccessStatusCode) throw new FleetException($"render {i} answered {(int)answer.StatusCode}: {body}");
        return JsonSerializer.Deserialize<RenderEndpoints.RenderReply>(body, FleetJson.Options)!;
    }
}
