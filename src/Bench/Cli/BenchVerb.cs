using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Bench.Cli;

/// <summary><c>fleet-bench WHAT</c>: the benchmarks, each printing its measurements and exiting 1 when one misses its budget.</summary>
public static class BenchVerb
{
    private static readonly (string Name, string Summary)[] Benchmarks =
    [
        ("render", "personalised renders through the whole pipeline against the edge budget"),
        ("memory", "a real agent's memory on the fp32 and INT8 models, rendering and idle"),
        ("join", "device join -> registered in the cloud"),
        ("kill", "kill engage -> every device acknowledged"),
        ("gateway", "simulated devices through the device gateway: connect, memory, kill frames"),
        ("console", "the operator console in headless Chromium"),
        ("rollout", "a corrupt model rollout -> gate breach -> rolled back"),
        ("delegate", "renders delegated to the cloud's render worker"),
        ("telemetry", "outbox write cost and upload bytes"),
        ("events", "one player event on the device"),
        ("audit", "the audit entry of one render"),
        ("offline", "a device whose cloud never answers keeps answering its player"),
        ("learning", "a simulated fleet learning with and without the fleet prior"),
        ("metrics", "what recording one render's metrics costs"),
    ];

    /// <summary>One verb per benchmark (<c>fleet-bench render ...</c>); each parses its own options below.</summary>
    public static readonly IReadOnlyList<Verb> Verbs =
        [.. Benchmarks.Select(b => new Verb(b.Name, b.Summary, argv => RunAsync([b.Name, .. argv])))];

    public const string Usage = """
        usage: fleet-bench render [--campaign samples/summer-sale] [--variant sample|moving|whole] [--runs 20] [--json]
               fleet-bench join [--samples 10] [--edges 20] [--mtls] [--cloud-dll PATH] [--json]
               fleet-bench kill [--edges 20] [--rounds 10] [--mtls [--rotate]] [--cloud-dll PATH] [--json]
               fleet-bench gateway [--devices 1000] [--gateways 1] [--rounds 5] [--parallel 100] [--cloud-dll PATH] [--json]
               fleet-bench console [--devices 1000] [--rounds 5] [--parallel 100] [--cloud-dll PATH] [--json]
               fleet-bench rollout [--edges 20] [--rounds 3] [--cloud-dll PATH] [--json]
               fleet-bench delegate [--runs 5] [--jobs 12] [--campaign samples/summer-sale] [--cloud-dll PATH] [--json]
               fleet-bench memory [--renders 10] [--idle 20s] [--campaign samples/summer-sale] [--cloud-dll PATH] [--json]
               fleet-bench telemetry [--renders 5000] [--json]
               fleet-bench events [--renders 2000] [--json]
               fleet-bench audit [--entries 5000] [--renders-per-day 1440] [--campaign samples/summer-sale] [--json]
               fleet-bench offline [--minutes 10] [--every 1s] [--campaign samples/summer-sale] [--json]
               fleet-bench metrics [--renders 200000] [--json]
               fleet-bench learning [--devices 50] [--impressions 2000] [--buckets 4] [--variants 6] [--seed 1] [--json]
               fleet-bench template --campaign DIR [--runs 7] [--keep DIR] [--cache DIR] [--ffmpeg PATH] [--json]
               fleet-bench soak [--minutes 2] [--devices 3] [--seed 1] [--json] ...   (fleet-bench soak --help)
          render: N personalised renders (varied contexts, cache off) through the whole pipeline (each verifies its assets
                  as a synced campaign's render does: stage 'verify'), each beside the naive
                  pipeline (drawtext over the whole clip + full re-encode, same preset); cached renders; TTS; output check.
          join, kill, rollout and delegate start a throwaway cloud node (FLEET_CLOUD_DLL or --cloud-dll).
          delegate: (1) a 10 s 1080p render asked of a 720p device -> MP4 on the device, via the cloud render worker (first run
          apart: it prepares the 1080p template); (2) one worker's renders/minute for the sample template, jobs always queued.
          join: (1) fleet-edge process start -> registered, one process per sample; (2) --edges devices at once -> all registered.
          kill: --edges devices in this process; each round engages a kill and waits until every device acknowledged
                (exit 1 when engage -> ack p99 is over 500 ms). --rotate (with --mtls): each round first rotates the
                signing keys and times each device's confirmation of the new trust (keys status), then kills.
          rollout: each round publishes a corrupt model version and rolls it out (stages 25,100) to --edges devices in this
                   process; time from rollout start to the gates' breach and to every cohort device confirmed back.
          --mtls: the cloud gets a fresh fleet CA and every device a certificate and connects through the cloud's device
                  gateway (gRPC, mutual TLS), as enrolled devices do; otherwise devices join as members (--insecure-dev).
          gateway: --devices simulated devices in this process, each with its own certificate, TLS connection and stream,
                   speaking the device wire protocol (register with a signed proof, kill sync, heartbeats every 10 s, kill
                   acks; a simulated device acknowledges the epoch it received without verifying the policy's signature).
                   --parallel: connection attempts in flight at once; --gateways N: one control node and N gateway nodes.
                   Measures: connect -> all registered; cloud memory (RSS) per 1,000 connected devices; cloud CPU with
                   every device idle for 30 s; per round, kill engage and release -> the policy frame at each device
                   (p50/p99/max) and -> the cloud's status showing all acknowledged. Medians over the rounds.
                   Budgets (DESIGN.md, for 10,000 devices; exit 1 when one is missed): all registered <= 60 s, scaled to
                   60 s x N/10,000 (at least 10 s) below 10,000; kill engage -> received p99 <= 1 s; <= 60 MB of cloud
                   memory per 1,000 devices. Certificates are issued once and kept in the temp folder (fleet-bench-gateway).
          console: the operator console in Debian's headless Chromium (1280x720, cache off) against a throwaway cloud
                   with --devices simulated devices connected through its gateway (as in 'gateway'), signed in with the
                   admin token. Per round: a cold load of the Fleet page (first contentful paint, every device's row drawn,
                   bytes transferred, of which GET /api/v1/devices); then with the Kill-switch page open, a kill engaged
                   and released per round: the cloud's first acknowledgement -> the page's progress bar moving, and its
                   last -> the bar full. Medians over the rounds. Budgets (exit 1 when missed): first contentful paint
                   <= 1 s; acknowledgement -> bar moving <= 1.5 s (the change stream reads the cloud once a second).
          memory: a real, enrolled agent process connected through a throwaway cloud's gateway (mutual TLS), first on the built-in fp32 model,
                  then on the model quantised to INT8 weights, published and pinned by the campaign's next version (the
                  device closes the built-in model's session once unused, --model-unload-after 5s). Per model: the peak of
                  the agent's RSS plus its children's PSS during --renders renders (sampled every 50 ms), and after --idle
                  without renders the agent's RSS and its children's PSS. Exit 1 when the idle agent on the INT8 model is
                  over 250 MB or a peak over 400 MB.
          telemetry: outbox write cost per render (p50 us) and upload bytes per device per hour at one render a minute.
          events: one player event on the device (render ledger check and append, bandit outcome update, telemetry
                 fold and outbox upsert; HTTP parsing excluded) in us, p50 and p99 over a kiosk's usual sequence per
                 render. Exit 1 when p50 is over 500 us.
          audit: the audit entry of one render: building it (inputs digest, detail) and appending it (hash, write, fsync)
                 in us (p50), bytes per entry, and bytes per device per day at --renders-per-day (default one a minute).
                 Exit 1 when build + append p50 is over 200 us.
          offline: a real agent process whose cloud never answers (development membership, seed on a closed port: every
                 join attempt fails) serves --campaign while a player asks for an ad every --every for --minutes, with
                 varied contexts (fresh renders and cache hits). Prints requests answered with a playable ad, answer time
                 p50/p99/max and the join attempts meanwhile. Exit 1 when any request was not answered.
          metrics: what recording one render's metrics costs (the render histogram by path and encoder, one stage
                 histogram per stage, with the agent's meter provider and Prometheus exporter listening): us per render
                 (p50 and max over 5 batches) and bytes allocated per render. Exit 1 when p50 is over 5 us.
          template: the campaign's default copy rendered --runs times on the fast path (warm and cold) and on the naive
                  path (same preset), interleaved; medians, their ratio and ffmpeg's CPU time (--keep DIR keeps both MP4s).
          learning: a simulated fleet with known click rates per context bucket and copy variant (the best variant
                 differs by bucket, each device's audience deviates from the fleet's). --devices learn alone for
                 --impressions each; their counts merged as the cloud merges uploads become the fleet prior; then
                 --devices new devices run alone and from the prior on the same contexts. Prints regret (expected clicks
                 lost against each bucket's best variant) at checkpoints and the impressions a device needs before its
                 choices earn 90 % of the best policy's click rate (200-impression window; median over devices).
                 Exit 1 when the prior does not cut regret to <= 75 % of learning alone. The real path does the
                 same with uploads (learning rows), `fleet_learning` and the signed prior of GET /api/v1/campaigns/{id}/prior.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, "mtls", "rotate");
        if (a.Positionals is ["telemetry"] && !a.Flag("help")) return Telemetry(a);
        if (a.Positionals is ["audit"] && !a.Flag("help")) return Audit(a);
        if (a.Positionals is ["events"] && !a.Flag("help")) return Events(a);
        if (a.Positionals is ["learning"] && !a.Flag("help")) return Learning(a);
        if (a.Positionals is ["metrics"] && !a.Flag("help")) return Metrics(a);
        if (a.Positionals is ["offline"] && !a.Flag("help")) return await OfflineAsync(a);
        if (a.Flag("help") || a.Positionals is not (["join"] or ["kill"] or ["gateway"] or ["console"] or ["rollout"] or ["render"] or ["delegate"] or ["memory"])) { Console.WriteLine(Usage); return a.Flag("help") ? 0 : 2; }
        a.RejectUnknown("samples", "edges", "rounds", "cloud-dll", "mtls", "rotate", "campaign", "runs", "jobs", "devices", "gateways", "parallel", "variant", "renders", "idle");
        if (a.Positionals is ["render"])
            return await RenderAsync(a.Get("campaign", "samples/summer-sale"), TemplateVariant.Named(a.Get("variant", "sample")), a.GetInt("runs", 20), a.Flag("json"));
        var cloudDll = a.Get("cloud-dll") ?? Environment.GetEnvironmentVariable("FLEET_CLOUD_DLL")
                       ?? throw new UsageException("where is fleet-cloud? pass --cloud-dll PATH or run ./fleet bench ...");
        var json = a.Flag("json");
        if (a.Positionals is ["memory"])
            return await MemoryAsync(cloudDll, a.Get("campaign", "samples/summer-sale"), a.GetInt("renders", 10, 1, 1000),
                a.Get("idle") is { } idle ? Durations.Parse(idle) ?? throw new UsageException($"--idle '{idle}' is not a duration (e.g. 20s)") : TimeSpan.FromSeconds(20), json);
        if (a.Positionals is ["delegate"]) return await DelegateAsync(cloudDll, a.Get("campaign", "samples/summer-sale"), Math.Max(1, a.GetInt("runs", 5)), Math.Max(1, a.GetInt("jobs", 12)), json);
        if (a.Positionals is ["kill"]) return await KillAsync(cloudDll, a.GetInt("edges", 20), a.GetInt("rounds", 10), json, a.Flag("mtls"), a.Flag("rotate"));
        if (a.Positionals is ["gateway"])
            return await GatewayAsync(cloudDll, a.GetInt("devices", 1000, 1, 60_000), a.GetInt("gateways", 1, 1, 8), a.GetInt("rounds", 5, 1, 100),
                a.GetInt("parallel", 100, 1, 1000), json);
        if (a.Positionals is ["console"])
            return await ConsoleAsync(cloudDll, a.GetInt("devices", 1000, 1, 60_000), a.GetInt("rounds", 5, 1, 100), a.GetInt("parallel", 100, 1, 1000), json);
        if (a.Positionals is ["rollout"]) return await RolloutAsync(cloudDll, a.GetInt("edges", 20), a.GetInt("rounds", 3), json);
        var r = await WithProgress(json, p => JoinBenchmark.RunAsync(cloudDll, a.GetInt("samples", 10), a.GetInt("edges", 20), p, a.Flag("mtls")));
        if (json) return Json(r);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; devices {(r.Mtls ? "through the gateway (gRPC, mutual TLS)" : "as cluster members, plain TCP (--insecure-dev)")}");
        Console.WriteLine($"edge process start -> registered   n={r.ProcessStartToRegisteredMs.Count}  p50 {r.ProcessStartToRegisteredMs.P50:0} ms  p95 {r.ProcessStartToRegisteredMs.P95:0} ms  max {r.ProcessStartToRegisteredMs.Max:0} ms   (budget p50 <= 3000 ms)");
        Console.WriteLine($"{r.Edges} in-process edges -> all registered   {r.AllRegisteredSeconds:0.00} s   per device p50 {r.InProcessRegisteredMs.P50:0} ms  max {r.InProcessRegisteredMs.Max:0} ms   (budget <= 15 s)");
        return 0;
    }

    private static int Metrics(CommandArgs a)
    {
        a.RejectUnknown("renders");
        var r = MetricsBenchmark.Run(a.GetInt("renders", 200_000, 1000, 100_000_000));
        var ok = r.MicrosPerRenderP50 <= 5;
        if (a.Flag("json")) return Json(r, ok ? 0 : 1);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
        Console.WriteLine($"metrics per render ({r.Stages} stages), {r.Batches} x {r.Renders}: p50 {r.MicrosPerRenderP50:0.000} us  max {r.MicrosPerRenderMax:0.000} us; " +
                          $"{r.BytesAllocatedPerRender:0.0} bytes allocated per render");
        Console.WriteLine($"p50 {r.MicrosPerRenderP50:0.000} us (budget <= 5 us): {(ok ? "ok" : "OVER BUDGET")}");
        return ok ? 0 : 1;
    }

    private static int Audit(CommandArgs a)
    {
        a.RejectUnknown("entries", "renders-per-day", "campaign");
        var r = AuditBenchmark.Run(a.Get("campaign", "samples/summer-sale"), a.GetInt("entries", 5000, 100, 1_000_000), a.GetInt("renders-per-day", 1440, 1, 10_000_000));
        if (a.Flag("json")) return Json(r, r.WithinBudget ? 0 : 1);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
        Console.WriteLine($"audit entry per render, n={r.Entries}: build (render side) p50 {r.BuildMicros.P50:0.0} us  p95 {r.BuildMicros.P95:0.0} us; " +
                          $"append with fsync (audit actor) p50 {r.AppendMicros.P50:0.0} us  p95 {r.AppendMicros.P95:0.0} us  (without fsync p50 {r.AppendNoSyncMicros.P50:0.0} us)");
        Console.WriteLine($"{r.BytesPerEntry:0} bytes per entry; at {r.RendersPerDay} renders/day: {r.BytesPerDay / 1024:0} KiB per device per day");
        Console.WriteLine($"build + append p50 {r.BuildMicros.P50 + r.AppendMicros.P50:0.0} us (budget <= {AuditBenchmark.BudgetMicros:0} us): {(r.WithinBudget ? "ok" : "OVER BUDGET")}");
        return r.WithinBudget ? 0 : 1;
    }

    private static async Task<int> OfflineAsync(CommandArgs a)
    {
        a.RejectUnknown("minutes", "every", "campaign");
        var every = a.Get("every") is { } e ? Durations.Parse(e) ?? throw new UsageException($"--every '{e}' is not a duration (e.g. 1s, 500ms)") : TimeSpan.FromSeconds(1);
        var r = await WithProgress(a.Flag("json"), p => OfflineBenchmark.RunAsync(a.Get("campaign", "samples/summer-sale"),
            TimeSpan.FromMinutes(a.GetInt("minutes", 10, 1, 24 * 60)), every, p));
        if (a.Flag("json")) return Json(r, r.AllAnswered ? 0 : 1);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; the cloud never answered ({r.JoinAttempts} failed join attempts)");
        Console.WriteLine($"{r.Minutes:0.0} min, one request every {every.TotalSeconds:0.###} s: {r.Answered} of {r.Requests} answered with a playable ad; " +
                          $"answer p50 {r.AnswerMs.P50:0} ms  p99 {r.AnswerMs.P99:0} ms  max {r.AnswerMs.Max:0} ms");
        foreach (var f in r.Failures) Console.WriteLine("  not answered: " + f);
        Console.WriteLine(r.AllAnswered ? "every request answered: ok" : "REQUESTS NOT ANSWERED");
        return r.AllAnswered ? 0 : 1;
    }

    private static int Learning(CommandArgs a)
    {
        a.RejectUnknown("devices", "impressions", "buckets", "variants", "seed");
        var r = LearningBenchmark.Run(new LearningBenchmark.Options(a.GetInt("devices", 50, 1, 10_000), a.GetInt("impressions", 2000, LearningBenchmark.Window, 1_000_000),
            a.GetInt("buckets", 4, 1, 64), a.GetInt("variants", 6, 2, 64), a.GetInt("seed", 1, 0, int.MaxValue)));
        if (a.Flag("json")) return Json(r, r.WithinBudget ? 0 : 1);
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

    private static int Events(CommandArgs a)
    {
        a.RejectUnknown("renders");
        var r = EventsBenchmark.Run(Math.Max(100, a.GetInt("renders", 2000)));
        var exit = r.WithinBudget ? 0 : 1;
        if (a.Flag("json")) { Console.WriteLine(JsonSerializer.Serialize(r, FleetJson.Indented)); return exit; }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}");
        Console.WriteLine($"player event ingestion (ledger + bandit + fold + outbox)  n={r.Micros.Count} ({r.Counted} counted)  " +
                          $"median {r.Micros.P50:0} us  p99 {r.Micros.P99:0} us   (budget median <= {EventsBenchmark.BudgetMicros:0} us)");
        Console.WriteLine($"  ledger check + append (every event)     median {r.LedgerMicros.P50:0} us  p99 {r.LedgerMicros.P99:0} us");
        Console.WriteLine($"  bandit outcome update (rewarding ones)  median {r.BanditMicros.P50:0} us  p99 {r.BanditMicros.P99:0} us");
        Console.WriteLine($"  telemetry fold + outbox upsert (counted) median {r.TelemetryMicros.P50:0} us  p99 {r.TelemetryMicros.P99:0} us");
        return exit;
    }

    private static async Task<int> RenderAsync(string campaign, TemplateVariant variant, int runs, bool json)
    {
        var r = await WithProgress(json, p => RenderBenchmark.RunAsync(campaign, variant, runs, p));
        if (json) return Json(r, r.Missed.Count == 0 ? 0 : 1);
        static string S(Stats s) => $"p50 {s.P50,6:0.0} ms  p95 {s.P95,6:0.0} ms";
        static string Budget(string what, double? limit) => limit is { } l ? $"   (budget {what} {l:0.##})" : "";
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; template {variant.Name}; {r.Runs} renders, varied contexts, cache off");
        Console.WriteLine($"  end to end (personalised)  {S(r.EndToEndMs)}{Budget("p50 ms <=", variant.EndToEndP50BudgetMs)}");
        Console.WriteLine($"  naive pipeline             {S(r.NaiveMs)}");
        Console.WriteLine($"  speed-up (p50 naive / p50 end to end)  {r.Speedup:0.00}x{Budget(">=", variant.SpeedupBudget)}");
        Console.WriteLine($"  cached render              {S(r.CachedMs)}   (budget <= 20 ms)");
        foreach (var (stage, s) in r.StageMs) Console.WriteLine($"  stage {stage,-20} {S(s)}");
        Console.WriteLine($"  TTS of a ~3 s line         {S(r.TtsMs)}   (budget <= {RenderBenchmark.TtsP50BudgetMs:0} ms)");
        Console.WriteLine($"  first render after a sync  {r.FirstAfterSyncMs,6:0.0} ms   (budget <= {RenderBenchmark.FirstAfterSyncBudgetMs:0} ms; the version was warmed ahead in {r.WarmMs:0} ms)");
        var o = r.Output;
        Console.WriteLine($"  output check: frames {o.Frames}/{o.ExpectedFrames}, duration {o.DurationSeconds:0.000}/{o.ExpectedSeconds:0.000} s, audio {o.HasAudio}, " +
                          $"clean decode {o.DecodesCleanly}, untouched frames bit-identical {o.UntouchedIdentical}/{o.UntouchedFrames} (SSIM 1.0) -> {(o.Passed ? "PASS" : "FAIL")}");
        Console.WriteLine($"  peak resident memory of the render process: {r.PeakRssMb} MB (ffmpeg and espeak-ng run as child processes)");
        Console.WriteLine($"  fallbacks seen: {(r.Fallbacks.Count == 0 ? "none" : string.Join(", ", r.Fallbacks))}");
        foreach (var line in r.Missed) Console.WriteLine($"BUDGET MISSED: {line}");
        return r.Missed.Count == 0 ? 0 : 1;
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
