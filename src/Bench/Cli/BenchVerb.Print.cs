using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Bench.Cli;

/// <summary>What each benchmark prints, and its exit code: 1 when a measurement misses its budget.</summary>
public static partial class BenchVerb
{
    private static async Task<int> JoinAsync(string cloudDll, int samples, int edges, bool mtls, bool json)
    {
        var r = await WithProgress(json, p => JoinBenchmark.RunAsync(cloudDll, samples, edges, p, mtls));
        if (json) return Json(r);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; devices {(r.Mtls ? "through the gateway (gRPC, mutual TLS)" : "as cluster members, plain TCP (--insecure-dev)")}");
        Console.WriteLine($"edge process start -> registered   n={r.ProcessStartToRegisteredMs.Count}  p50 {r.ProcessStartToRegisteredMs.P50:0} ms  p95 {r.ProcessStartToRegisteredMs.P95:0} ms  max {r.ProcessStartToRegisteredMs.Max:0} ms   (budget p50 <= 3000 ms)");
        Console.WriteLine($"{r.Edges} in-process edges -> all registered   {r.AllRegisteredSeconds:0.00} s   per device p50 {r.InProcessRegisteredMs.P50:0} ms  max {r.InProcessRegisteredMs.Max:0} ms   (budget <= 15 s)");
        return 0;
    }

    private static int Metrics(int renders, bool json)
    {
        var r = MetricsBenchmark.Run(renders);
        var ok = r.MicrosPerRenderP50 <= 5;
        if (json) return Json(r, ok ? 0 : 1);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
        Console.WriteLine($"metrics per render ({r.Stages} stages), {r.Batches} x {r.Renders}: p50 {r.MicrosPerRenderP50:0.000} us  max {r.MicrosPerRenderMax:0.000} us; " +
                          $"{r.BytesAllocatedPerRender:0.0} bytes allocated per render");
        Console.WriteLine($"p50 {r.MicrosPerRenderP50:0.000} us (budget <= 5 us): {(ok ? "ok" : "OVER BUDGET")}");
        return ok ? 0 : 1;
    }

    private static int Audit(string campaign, int entries, int rendersPerDay, bool json)
    {
        var r = AuditBenchmark.Run(campaign, entries, rendersPerDay);
        if (json) return Json(r, r.WithinBudget ? 0 : 1);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
        Console.WriteLine($"audit entry per render, n={r.Entries}: build (render side) p50 {r.BuildMicros.P50:0.0} us  p95 {r.BuildMicros.P95:0.0} us; " +
                          $"append with fsync (audit actor) p50 {r.AppendMicros.P50:0.0} us  p95 {r.AppendMicros.P95:0.0} us  (without fsync p50 {r.AppendNoSyncMicros.P50:0.0} us)");
        Console.WriteLine($"{r.BytesPerEntry:0} bytes per entry; at {r.RendersPerDay} renders/day: {r.BytesPerDay / 1024:0} KiB per device per day");
        Console.WriteLine($"build + append p50 {r.BuildMicros.P50 + r.AppendMicros.P50:0.0} us (budget <= {AuditBenchmark.BudgetMicros:0} us): {(r.WithinBudget ? "ok" : "OVER BUDGET")}");
        return r.WithinBudget ? 0 : 1;
    }

    private static async Task<int> OfflineAsync(string campaign, int minutes, TimeSpan every, bool json)
    {
        var r = await WithProgress(json, p => OfflineBenchmark.RunAsync(campaign, TimeSpan.FromMinutes(minutes), every, p));
        if (json) return Json(r, r.AllAnswered ? 0 : 1);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; the cloud never answered ({r.JoinAttempts} failed join attempts)");
        Console.WriteLine($"{r.Minutes:0.0} min, one request every {every.TotalSeconds:0.###} s: {r.Answered} of {r.Requests} answered with a playable ad; " +
                          $"answer p50 {r.AnswerMs.P50:0} ms  p99 {r.AnswerMs.P99:0} ms  max {r.AnswerMs.Max:0} ms");
        foreach (var f in r.Failures) Console.WriteLine("  not answered: " + f);
        Console.WriteLine(r.AllAnswered ? "every request answered: ok" : "REQUESTS NOT ANSWERED");
        return r.AllAnswered ? 0 : 1;
    }

    private static int Learning(LearningBenchmark.Options options, bool json)
    {
        var r = LearningBenchmark.Run(options);
        if (json) return Json(r, r.WithinBudget ? 0 : 1);
        var o = r.Options;
        Console.WriteLine($"simulated fleet: {o.Devices} devices x {o.Impressions} impressions, {o.Buckets} context buckets x {o.Variants} variants, seed {o.Seed}; " +
                          $"best policy CTR {r.BestCtr:P2}, uniform {r.UniformCtr:P2}; fleet prior: {r.PriorRows} rows");
        Console.Write(TextTable.Render(["", "CTR", .. r.Alone.RegretAt.Keys.Select(n => $"REGRET@{n}"), "IMPRESSIONS TO 90% (MEDIAN)", "DEVICES THERE"],
            new[] { ("device only", r.Alone), ("with fleet prior", r.WithFleetPrior) }.Select(x => (IReadOnlyList<string>)
            [x.Item1, $"{x.Item2.MeanCtr:P2}", .. x.Item2.RegretAt.Values.Select(v => $"{v:0.0}"),
             x.Item2.DevicesReaching90 * 2 > o.Devices ? $"{x.Item2.MedianImpressionsTo90}" : $"> {o.Impressions}", $"{x.Item2.DevicesReaching90}/{o.Devices}"])));
        Console.WriteLine($"regret with the fleet prior / device only: {r.RegretRatio:0.00} (budget <= {LearningBenchmark.BudgetRegretRatio:0.00}): {(r.WithinBudget ? "ok" : "OVER BUDGET")}");
        return r.WithinBudget ? 0 : 1;
    }

    private static int Telemetry(int renders, bool json)
    {
        var r = TelemetryBenchmark.Run(Math.Max(100, renders));
        if (json) { Console.WriteLine(JsonSerializer.Serialize(r, FleetJson.Indented)); return 0; }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
        Console.WriteLine($"outbox write per render (fold + SQLite upsert, WAL)   n={r.WriteMicros.Count}  p50 {r.WriteMicros.P50:0} us  p95 {r.WriteMicros.P95:0} us  (fold alone p50 {r.FoldMicros.P50:0} us)");
        Console.WriteLine($"upload at 1 render + 1 impression a minute: {r.BatchesPerHour} batches/hour, {r.TotalBytesPerHour} bytes/device/hour " +
                          $"({r.PayloadBytesPerHour} Hyperion payload of batches and acks + {r.EnvelopeBytesPerHour} remoting envelope)");
        return 0;
    }

    private static int Events(int renders, bool json)
    {
        var r = EventsBenchmark.Run(Math.Max(100, renders));
        var exit = r.WithinBudget ? 0 : 1;
        if (json) { Console.WriteLine(JsonSerializer.Serialize(r, FleetJson.Indented)); return exit; }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
        Console.WriteLine($"player event ingestion (ledger + bandit + fold + outbox)  n={r.Micros.Count} ({r.Counted} counted)  " +
                          $"median {r.Micros.P50:0} us  p99 {r.Micros.P99:0} us   (budget median <= {EventsBenchmark.BudgetMicros:0} us)");
        Console.WriteLine($"  ledger check + append (every event)     median {r.LedgerMicros.P50:0} us  p99 {r.LedgerMicros.P99:0} us");
        Console.WriteLine($"  bandit outcome update (rewarding ones)  median {r.BanditMicros.P50:0} us  p99 {r.BanditMicros.P99:0} us");
        Console.WriteLine($"  telemetry fold + outbox upsert (counted) median {r.TelemetryMicros.P50:0} us  p99 {r.TelemetryMicros.P99:0} us");
        return exit;
    }

    private static async Task<int> RenderAsync(string campaign, TemplateVariant variant, int runs, bool regression, bool json)
    {
        var r = await WithProgress(json, p => RenderBenchmark.RunAsync(campaign, variant, runs, p));
        var missed = regression ? r.RegressionMissed : r.Missed;
        if (json) return Json(r, missed.Count == 0 ? 0 : 1);
        static string S(Stats s) => $"p50 {s.P50,6:0.0} ms  p95 {s.P95,6:0.0} ms";
        static string Budget(string what, double? limit) => limit is { } l ? $"   (budget {what} {l:0.##})" : "";
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; template {variant.Name}; {r.Runs} renders, varied contexts, cache off");
        Console.WriteLine($"  end to end (personalised)  {S(r.EndToEndMs)}{Budget("p50 ms <=", variant.EndToEndP50BudgetMs)}");
        Console.WriteLine($"  naive pipeline             {S(r.NaiveMs)}");
        Console.WriteLine($"  speed-up (p50 naive / p50 end to end)  {r.Speedup:0.00}x{Budget(">=", variant.SpeedupBudget)}");
        Console.WriteLine($"  cached render              {S(r.CachedMs)}   (budget <= 20 ms)");
        foreach (var (stage, s) in r.StageMs) Console.WriteLine($"  stage {stage,-20} {S(s)}");
        Console.WriteLine($"  TTS of a ~3 s line         {S(r.TtsMs)}   (budget <= {RenderBenchmark.TtsP50BudgetMs:0} ms)");
        Console.WriteLine($"  first render after a sync  {r.FirstAfterSyncMs,6:0.0} ms   ({(variant.FirstAfterSyncBudgetMs is { } first ? $"budget <= {first:0} ms; " : "")}the version was warmed ahead in {r.WarmMs:0} ms)");
        var o = r.Output;
        Console.WriteLine($"  output check: frames {o.Frames}/{o.ExpectedFrames}, duration {o.DurationSeconds:0.000}/{o.ExpectedSeconds:0.000} s, audio {o.HasAudio}, " +
                          $"clean decode {o.DecodesCleanly}, untouched frames bit-identical {o.UntouchedIdentical}/{o.UntouchedFrames} (SSIM 1.0) -> {(o.Passed ? "PASS" : "FAIL")}");
        Console.WriteLine($"  peak resident memory of the render process: {r.PeakRssMb} MB (ffmpeg and espeak-ng run as child processes)");
        Console.WriteLine($"  fallbacks seen: {(r.Fallbacks.Count == 0 ? "none" : string.Join(", ", r.Fallbacks))}");
        if (regression)
            Console.WriteLine($"  regression check: speed-up >= {RenderBenchmark.RegressionShare * 100:0} % of its budget and the output check; the other budgets are not judged");
        foreach (var line in missed) Console.WriteLine($"BUDGET MISSED: {line}");
        return missed.Count == 0 ? 0 : 1;
    }

    private static async Task<int> MemoryAsync(string cloudDll, string campaign, int renders, TimeSpan idle, bool json)
    {
        var r = await WithProgress(json, p => MemoryBenchmark.RunAsync(cloudDll, campaign, renders, idle, p));
        if (json) return Json(r, r.Missed.Count == 0 ? 0 : 1);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; one agent process, {r.Renders} renders per model, then {r.IdleSeconds} s idle");
        foreach (var p in new[] { r.Fp32, r.Int8 })
            Console.WriteLine($"  {p.Model,-24} peak agent + children {p.PeakMb,5:0} MB (agent {p.PeakAgentMb:0}; budget <= {MemoryBenchmark.PeakBudgetMb:0});  idle agent RSS {p.IdleAgentMb,5:0} MB, " +
                              $"children PSS {p.IdleChildrenMb:0} MB ({p.IdleChildren} waiting)");
        Console.WriteLine($"  idle agent budget (INT8 model): <= {MemoryBenchmark.IdleBudgetMb:0} MB");
        foreach (var line in r.Missed) Console.WriteLine($"BUDGET MISSED: {line}");
        return r.Missed.Count == 0 ? 0 : 1;
    }

    private static async Task<int> KillAsync(string cloudDll, int edges, int rounds, bool json, bool mtls, bool rotate)
    {
        var r = await WithProgress(json, p => KillBenchmark.RunAsync(cloudDll, edges, rounds, p, mtls, rotate));
        if (json) return Json(r, r.WithinBudget ? 0 : 1);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; {r.Edges} devices in one process, {r.Rounds} rounds; devices {(mtls ? "through the gateway (gRPC, mutual TLS)" : "as cluster members, plain TCP (--insecure-dev)")}");
        Console.WriteLine($"engage -> device acknowledged (cloud clock)   n={r.AckMs.Count}  p50 {r.AckMs.P50:0} ms  p99 {r.AckMs.P99:0} ms  max {r.AckMs.Max:0} ms   (budget p99 <= 500 ms)");
        Console.WriteLine($"engage -> all acknowledged seen by a poller   p50 {r.AllAckedMs.P50:0} ms  max {r.AllAckedMs.Max:0} ms");
        if (r.RotatedMs is { } each && r.AllRotatedMs is { } all)
            Console.WriteLine($"keys rotate -> device on the new trust (keys status)   n={each.Count}  p50 {each.P50:0} ms  p99 {each.P99:0} ms  max {each.Max:0} ms; " +
                              $"-> every device p50 {all.P50:0} ms  max {all.Max:0} ms");
        if (!r.WithinBudget) Console.WriteLine($"BUDGET MISSED: engage -> ack p99 {r.AckMs.P99:0} ms (budget {KillBenchmark.AckP99BudgetMs:0} ms)");
        return r.WithinBudget ? 0 : 1;
    }

    private static async Task<int> TlsAsync(int connections, bool json)
    {
        var r = await WithProgress(json, p => TlsFloorBenchmark.RunAsync(connections, p));
        if (json) return Json(r, 0);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; {r.Connections} idle mutual-TLS connections (ECDSA P-256), " +
                          $"handshakes done in {r.HandshakeSeconds:0.0} s");
        Console.WriteLine($"server side: RSS {r.RssBeforeMb:0} MB before, {r.RssAfterMb:0} MB connected -> {r.KbPerConnection:0.0} KB per connection " +
                          $"({r.KbPerConnection:0} MB per 1,000), of which the managed heap {r.ManagedKbPerConnection:0.0} KB");
        return 0;
    }

    private static async Task<int> GatewayAsync(string cloudDll, int devices, int gateways, int rounds, int parallel, bool json)
    {
        var r = await WithProgress(json, p => GatewayBenchmark.RunAsync(cloudDll, devices, gateways, rounds, parallel, p));
        var exit = r.Missed.Count == 0 ? 0 : 1;
        if (json) return Json(r, exit);
        static string S(Stats s) => $"p50 {s.P50:0} ms  p99 {s.P99:0} ms  max {s.Max:0} ms";
        var b = r.Budget;
        Console.WriteLine($"machine: {r.Cores} cores, {Environment.OSVersion}; {r.Devices} simulated devices in one process (own certificate, TLS connection " +
                          $"and stream each, {r.Parallel} connecting at once), {r.Gateways} gateway(s), {r.Rounds} rounds; open-file limit {r.OpenFileLimit}");
        Console.WriteLine($"connect -> all registered            {r.RegisteredSeconds:0.0} s  ({r.Registered}/{r.Devices}; attempt -> Registered {S(r.AttemptToRegisteredMs)}; " +
                          $"{r.FailedAttempts} failed attempts)   (budget <= {b.RegisteredSeconds:0} s)");
        Console.WriteLine($"cloud lists all up (GET /api/v1/devices)   {r.ApiDevicesUp} up at {r.ApiAllUpSeconds:0.0} s; every device has its API credentials at {r.CredentialsSeconds:0.0} s");
        Console.WriteLine($"cloud memory   {r.CloudRssBeforeMb:0} MB before, {r.CloudRssConnectedMb:0} MB connected -> {r.CloudMbPer1000:0.0} MB per 1,000 devices   " +
                          $"(budget <= {b.MbPer1000:0} MB); {r.CloudRssEndMb:0} MB after the kill rounds");
        Console.WriteLine($"  of which the control node's GC holds {r.ControlGcMbPer1000:0.0} MB per 1,000 devices (committed, /metrics); " +
                          "the rest is native: TLS state in OpenSSL, sockets, the runtime");
        Console.WriteLine($"idle 30 s (heartbeats only)   cloud CPU {r.CloudIdleCpuPercent:0.0} % of one core; simulator CPU {r.SimulatorIdleCpuPercent:0.0} %, RSS {r.SimulatorRssMb:0} MB");
        Console.WriteLine($"kill engage  -> policy at device   {S(r.EngageReceivedMs)}   (budget p99 <= {b.KillP99Ms:0} ms); -> all acknowledged (cloud status) {r.EngageAllAckedMs:0} ms; " +
                          $"cloud's own engage -> ack p99 {r.CloudAckP99Ms:0} ms");
        Console.WriteLine($"kill release -> policy at device   {S(r.ReleaseReceivedMs)}; -> all acknowledged (cloud status) {r.ReleaseAllAckedMs:0} ms");
        Console.WriteLine("  (medians over the rounds; the simulated devices acknowledge the epoch received without verifying its signature)");
        if (r.LostStreams > 0 || r.StuckFrames > 0 || r.FailedAttempts > 0)
            Console.WriteLine($"streams lost {r.LostStreams}, frames not queued {r.StuckFrames}; reasons: {string.Join("; ", r.FailureReasons)}");
        foreach (var m in r.Missed) Console.WriteLine($"BUDGET MISSED: {m}");
        return exit;
    }

    private static async Task<int> ConsoleAsync(string cloudDll, int devices, int rounds, int parallel, bool json)
    {
        var r = await WithProgress(json, p => ConsoleBenchmark.RunAsync(cloudDll, devices, rounds, parallel, p));
        var exit = r.Missed.Count == 0 ? 0 : 1;
        if (json) return Json(r, exit);
        var b = r.Budget;
        Console.WriteLine($"machine: {r.Cores} cores, {Environment.OSVersion}; {r.Devices} simulated devices up through the gateway in {r.RegisteredSeconds:0.0} s; " +
                          $"headless Chromium, cache off, {r.Rounds} rounds (medians)");
        Console.WriteLine($"Fleet page   first contentful paint {r.FcpMedianMs:0} ms   (budget <= {b.FcpMs:0} ms); all {r.Devices} rows drawn at {r.TableMedianMs:0} ms");
        Console.WriteLine($"             {r.BytesMedian / 1024:0} KiB transferred, of which GET /api/v1/devices {r.DevicesBytesMedian / 1024:0} KiB " +
                          $"(asked {r.Loads.Select(l => l.DevicesRequests).Max()} times at most)");
        Console.WriteLine($"Kill-switch  cloud's first acknowledgement -> progress bar moving {r.AckToBarMedianMs:0} ms   (budget <= {b.AckToBarMs:0} ms); " +
                          $"last acknowledgement -> bar full {r.LastAckToFullMedianMs:0} ms");
        foreach (var m in r.Missed) Console.WriteLine($"BUDGET MISSED: {m}");
        return exit;
    }

    private static async Task<int> RolloutAsync(string cloudDll, int edges, int rounds, bool json)
    {
        var r = await WithProgress(json, p => RolloutBenchmark.RunAsync(cloudDll, edges, rounds, p));
        if (json) return Json(r);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; {r.Edges} devices in one process, {r.Rounds} rounds, corrupt model to a cohort of {r.CohortSize}");
        Console.WriteLine($"rollout start -> gate breach (automatic rollback begins)   p50 {r.StartToBreachMs.P50:0} ms  max {r.StartToBreachMs.Max:0} ms");
        Console.WriteLine($"rollout start -> rolled back (every cohort device confirmed)   p50 {r.StartToRolledBackMs.P50:0} ms  max {r.StartToRolledBackMs.Max:0} ms");
        Console.WriteLine($"breach: {string.Join(" | ", r.BreachReasons)}");
        return 0;
    }

    private static async Task<int> DelegateAsync(string cloudDll, string campaign, int runs, int jobs, bool json)
    {
        var r = await WithProgress(json, p => DelegateBenchmark.RunAsync(cloudDll, campaign, runs, jobs, p));
        if (json) return Json(r);
        Console.WriteLine($"machine: {r.Cores} cores, {Environment.OSVersion}; cloud (control + one render worker) and device on loopback; worker encoder {r.Encoder}");
        Console.WriteLine($"delegated 10 s 1080p render, request -> MP4 on the device   n={r.DelegatedMs.Count}  p50 {r.DelegatedMs.P50:0} ms  max {r.DelegatedMs.Max:0} ms   (first, with 1080p template preparation: {r.FirstMs:0} ms)");
        Console.WriteLine($"  of which on the worker (render + store)                   p50 {r.WorkerSeconds.P50:0} ms");
        Console.WriteLine($"one worker, sample template (720p), {r.ThroughputJobs} jobs   {r.RendersPerMinute:0.0} renders/minute   (worker time per render p50 {r.ThroughputWorkerSeconds.P50:0} ms)");
        return 0;
    }

    /// <summary>
    /// Progress goes to stderr, and only for people (a spinner with the latest step on a terminal, lines otherwise): with
    /// --json, stdout carries the result alone.
    /// </summary>
    private static Task<T> WithProgress<T>(bool json, Func<Action<string>, Task<T>> run) =>
        Terminal.StatusAsync("fleet-bench", run, Console.Error.WriteLine, quiet: json);

    private static int Json(object result, int exitCode = 0)
    {
        Console.WriteLine(JsonSerializer.Serialize(result, result.GetType(), FleetJson.Indented));
        return exitCode;
    }
}
