using System.Text.Json;
using Fleet.Edge.Bench;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge bench join</c>: device join and registration timings, printed as medians.</summary>
public static class BenchVerb
{
    public static readonly Verb Verb = new("bench", "benchmarks: render (the edge budget), join, kill, rollout, delegate, telemetry", RunAsync);

    private const string Usage = """
        usage: fleet-edge bench render [--campaign samples/summer-sale] [--runs 20] [--json]
               fleet-edge bench join [--samples 10] [--edges 20] [--mtls] [--cloud-dll PATH] [--json]
               fleet-edge bench kill [--edges 20] [--rounds 10] [--mtls] [--cloud-dll PATH] [--json]
               fleet-edge bench rollout [--edges 20] [--rounds 3] [--cloud-dll PATH] [--json]
               fleet-edge bench delegate [--runs 5] [--jobs 12] [--campaign samples/summer-sale] [--cloud-dll PATH] [--json]
               fleet-edge bench telemetry [--renders 5000] [--json]
          render: N personalised renders (varied contexts, cache off) through the whole pipeline, each beside the naive
                  pipeline (drawtext over the whole clip + full re-encode, same preset); cached renders; TTS; output check.
          join, kill, rollout and delegate start a throwaway cloud node (FLEET_CLOUD_DLL or --cloud-dll).
          delegate: (1) a 10 s 1080p render asked of a 720p device -> MP4 on the device, via the cloud render worker (first run
          apart: it prepares the 1080p template); (2) one worker's renders/minute for the sample template, jobs always queued.
          join: (1) fleet-edge process start -> registered, one process per sample; (2) --edges devices at once -> all registered.
          kill: --edges devices in this process; each round engages a kill and waits until every device acknowledged.
          rollout: each round publishes a corrupt model version and rolls it out (stages 25,100) to --edges devices in this
                   process; time from rollout start to the gates' breach and to every cohort device confirmed back.
          --mtls: the cloud gets a fresh fleet CA and every device a certificate (mutual TLS); otherwise --insecure-dev.
          telemetry: outbox write cost per render (p50 us) and upload bytes per device per hour at one render a minute.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, "mtls");
        if (a.Positionals is ["telemetry"] && !a.Flag("help")) return Telemetry(a);
        if (a.Flag("help") || a.Positionals is not (["join"] or ["kill"] or ["rollout"] or ["render"] or ["delegate"])) { Console.WriteLine(Usage); return a.Flag("help") ? 0 : 2; }
        a.RejectUnknown("samples", "edges", "rounds", "cloud-dll", "mtls", "campaign", "runs", "jobs");
        if (a.Positionals is ["render"]) return await RenderAsync(a.Get("campaign", "samples/summer-sale"), a.GetInt("runs", 20), a.Flag("json"));
        var cloudDll = a.Get("cloud-dll") ?? Environment.GetEnvironmentVariable("FLEET_CLOUD_DLL")
                       ?? throw new UsageException("where is fleet-cloud? pass --cloud-dll PATH or run ./fleet bench ...");
        var json = a.Flag("json");
        if (a.Positionals is ["delegate"]) return await DelegateAsync(cloudDll, a.Get("campaign", "samples/summer-sale"), Math.Max(1, a.GetInt("runs", 5)), Math.Max(1, a.GetInt("jobs", 12)), json);
        if (a.Positionals is ["kill"]) return await KillAsync(cloudDll, a.GetInt("edges", 20), a.GetInt("rounds", 10), json, a.Flag("mtls"));
        if (a.Positionals is ["rollout"]) return await RolloutAsync(cloudDll, a.GetInt("edges", 20), a.GetInt("rounds", 3), json);
        var r = await JoinBenchmark.RunAsync(cloudDll, a.GetInt("samples", 10), a.GetInt("edges", 20), Progress(json), a.Flag("mtls"));
        if (json) return Json(r);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; remoting {(r.Mtls ? "mutual TLS" : "plain TCP (--insecure-dev)")}");
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

    private static async Task<int> RenderAsync(string campaign, int runs, bool json)
    {
        var r = await RenderBenchmark.RunAsync(campaign, runs, Progress(json));
        if (json) return Json(r, r.Output.Passed ? 0 : 1);
        static string S(Stats s) => $"p50 {s.P50,6:0.0} ms  p95 {s.P95,6:0.0} ms";
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; {r.Runs} renders, varied contexts, cache off");
        Console.WriteLine($"  end to end (personalised)  {S(r.EndToEndMs)}   (budget p50 <= 300 ms)");
        Console.WriteLine($"  naive pipeline             {S(r.NaiveMs)}");
        Console.WriteLine($"  speed-up (p50 naive / p50 end to end)  {r.Speedup:0.00}x   (budget >= 4x)");
        Console.WriteLine($"  cached render              {S(r.CachedMs)}   (budget <= 20 ms)");
        foreach (var (stage, s) in r.StageMs) Console.WriteLine($"  stage {stage,-20} {S(s)}");
        Console.WriteLine($"  TTS of a ~3 s line         {S(r.TtsMs)}   (budget <= 50 ms)");
        var o = r.Output;
        Console.WriteLine($"  output check: frames {o.Frames}/{o.ExpectedFrames}, duration {o.DurationSeconds:0.000}/{o.ExpectedSeconds:0.000} s, audio {o.HasAudio}, " +
                          $"clean decode {o.DecodesCleanly}, untouched frames bit-identical {o.UntouchedIdentical}/{o.UntouchedFrames} (SSIM 1.0) -> {(o.Passed ? "PASS" : "FAIL")}");
        Console.WriteLine($"  peak resident memory of the render process: {r.PeakRssMb} MB (ffmpeg and espeak-ng run as child processes)");
        Console.WriteLine($"  fallbacks seen: {(r.Fallbacks.Count == 0 ? "none" : string.Join(", ", r.Fallbacks))}");
        return o.Passed ? 0 : 1;
    }

    private static async Task<int> KillAsync(string cloudDll, int edges, int rounds, bool json, bool mtls)
    {
        var r = await KillBenchmark.RunAsync(cloudDll, edges, rounds, Progress(json), mtls);
        if (json) return Json(r);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; {r.Edges} devices in one process, {r.Rounds} rounds; remoting {(mtls ? "mutual TLS" : "plain TCP (--insecure-dev)")}");
        Console.WriteLine($"engage -> device acknowledged (cloud clock)   n={r.AckMs.Count}  p50 {r.AckMs.P50:0} ms  p99 {r.AckMs.P99:0} ms  max {r.AckMs.Max:0} ms   (budget p99 <= 500 ms)");
        Console.WriteLine($"engage -> all acknowledged seen by a poller   p50 {r.AllAckedMs.P50:0} ms  max {r.AllAckedMs.Max:0} ms");
        return 0;
    }

    private static async Task<int> RolloutAsync(string cloudDll, int edges, int rounds, bool json)
    {
        var r = await RolloutBenchmark.RunAsync(cloudDll, edges, rounds, Progress(json));
        if (json) return Json(r);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; {r.Edges} devices in one process, {r.Rounds} rounds, corrupt model to a cohort of {r.CohortSize}");
        Console.WriteLine($"rollout start -> gate breach (automatic rollback begins)   p50 {r.StartToBreachMs.P50:0} ms  max {r.StartToBreachMs.Max:0} ms");
        Console.WriteLine($"rollout start -> rolled back (every cohort device confirmed)   p50 {r.StartToRolledBackMs.P50:0} ms  max {r.StartToRolledBackMs.Max:0} ms");
        Console.WriteLine($"breach: {string.Join(" | ", r.BreachReasons)}");
        return 0;
    }

    private static async Task<int> DelegateAsync(string cloudDll, string campaign, int runs, int jobs, bool json)
    {
        var r = await DelegateBenchmark.RunAsync(cloudDll, campaign, runs, jobs, Progress(json));
        if (json) return Json(r);
        Console.WriteLine($"machine: {r.Cores} cores, {Environment.OSVersion}; cloud (control + one render worker) and device on loopback; worker encoder {r.Encoder}");
        Console.WriteLine($"delegated 10 s 1080p render, request -> MP4 on the device   n={r.DelegatedMs.Count}  p50 {r.DelegatedMs.P50:0} ms  max {r.DelegatedMs.Max:0} ms   (first, with 1080p template preparation: {r.FirstMs:0} ms)");
        Console.WriteLine($"  of which on the worker (render + store)                   p50 {r.WorkerSeconds.P50:0} ms");
        Console.WriteLine($"one worker, sample template (720p), {r.ThroughputJobs} jobs   {r.RendersPerMinute:0.0} renders/minute   (worker time per render p50 {r.ThroughputWorkerSeconds.P50:0} ms)");
        return 0;
    }

    /// <summary>Progress lines go to stderr, and only for people: with --json, stdout carries the result alone.</summary>
    private static Action<string> Progress(bool json) => line => { if (!json) Console.Error.WriteLine(line); };

    private static int Json(object result, int exitCode = 0)
    {
        Console.WriteLine(JsonSerializer.Serialize(result, result.GetType(), FleetJson.Indented));
        return exitCode;
    }
}
