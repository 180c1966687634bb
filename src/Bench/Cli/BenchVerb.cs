using System.CommandLine;
using Fleet.Shared.Cli;

namespace Fleet.Bench.Cli;

/// <summary><c>fleet-bench WHAT</c>: one command per benchmark, each printing its measurements and exiting 1 when one misses its budget.</summary>
public static partial class BenchVerb
{
    private const string SampleCampaign = "samples/summer-sale";

    public static IEnumerable<Command> Create() =>
        [Render(), Memory(), Join(), Kill(), Gateway(), Tls(), TlsClients(), ConsoleBench(), Rollout(), Delegate(), Telemetry(), Events(), Audit(), Offline(), Learning(), Metrics()];

    private static Command Render()
    {
        var campaign = Campaign();
        var variant = CliOption.Text("--variant", "sample", "the template to render: sample, moving or whole", "NAME");
        var runs = CliOption.Int("--runs", 20, "personalised renders to time");
        var share = $"{RenderBenchmark.RegressionShare * 100:0} %";
        var regression = CliOption.Flag("--regression", $"judge only the speed-up, at {share} of its budget, and the output check (CI's check on a shared machine)");
        var command = new Command("render", "personalised renders through the whole pipeline against the edge budget") { campaign, variant, runs, regression }
            .WithDetails($"""
                --runs personalised renders (varied contexts, cache off) through the whole pipeline, each verifying its
                assets as a synced campaign's render does (stage 'verify'), each beside the naive pipeline (drawtext over
                the whole clip + full re-encode, same preset); then cached renders, TTS and an output check.
                Exit 1 when a budget is missed. With --regression only the speed-up (against the same run's naive
                pipeline, so the machine's speed cancels out) is judged, at {share} of its budget, and the output check; the
                other numbers are printed, not judged.
                """);
        command.SetAction((r, _) => RenderAsync(r.GetValue(campaign)!, TemplateVariant.Named(r.GetValue(variant)!), r.GetValue(runs),
            r.GetValue(regression), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Memory()
    {
        var (campaign, cloudDll) = (Campaign(), CloudDll());
        var renders = CliOption.Int("--renders", 10, "renders per model", 1, 1000);
        var idle = CliOption.Text("--idle", "20s", "how long the agent stays idle before it is measured", "DURATION");
        var command = new Command("memory", "a real agent's memory on the fp32 and INT8 models, rendering and idle") { renders, idle, campaign, cloudDll }
            .WithDetails("""
                A real, enrolled agent process connected through a throwaway cloud's gateway (mutual TLS), first on the
                built-in fp32 model, then on the model quantised to INT8 weights, published and pinned by the campaign's
                next version (the device closes the built-in model's session once unused, --model-unload-after 5s).
                Per model: the peak of the agent's RSS plus its children's PSS during --renders renders (sampled every
                50 ms), and after --idle without renders the agent's RSS and its children's PSS.
                Exit 1 when the idle agent on the INT8 model is over 250 MB or a peak over 400 MB.
                """);
        command.SetAction((r, _) => MemoryAsync(CloudDllOf(r, cloudDll), r.GetValue(campaign)!, r.GetValue(renders),
            DurationOf(r.GetValue(idle)!, "--idle", "20s"), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Join()
    {
        var cloudDll = CloudDll();
        var samples = CliOption.Int("--samples", 10, "fleet-edge processes started one after another");
        var edges = CliOption.Int("--edges", 20, "devices in this process joining at once");
        var mtls = Mtls();
        var command = new Command("join", "device join -> registered in the cloud") { samples, edges, mtls, cloudDll }
            .WithDetails("""
                (1) fleet-edge process start -> registered, one process per sample;
                (2) --edges devices at once -> all registered.
                """);
        command.SetAction((r, _) => JoinAsync(CloudDllOf(r, cloudDll), r.GetValue(samples), r.GetValue(edges), r.GetValue(mtls), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Kill()
    {
        var cloudDll = CloudDll();
        var edges = CliOption.Int("--edges", 20, "devices in this process");
        var rounds = CliOption.Int("--rounds", 10, "kills engaged");
        var mtls = Mtls();
        var rotate = CliOption.Flag("--rotate", "with --mtls: each round first rotates the signing keys");
        var command = new Command("kill", "kill engage -> every device acknowledged") { edges, rounds, mtls, rotate, cloudDll }
            .WithDetails("""
                --edges devices in this process; each round engages a kill and waits until every device acknowledged.
                --rotate (with --mtls): each round first rotates the signing keys and times each device's confirmation
                of the new trust (keys status), then kills.
                Exit 1 when engage -> ack p99 is over 500 ms.
                """);
        command.SetAction((r, _) => KillAsync(CloudDllOf(r, cloudDll), r.GetValue(edges), r.GetValue(rounds), r.GetValue(FleetCli.Json), r.GetValue(mtls), r.GetValue(rotate)));
        return command;
    }

    private static Command Gateway()
    {
        var cloudDll = CloudDll();
        var devices = CliOption.Int("--devices", 1000, "simulated devices", 1, 60_000);
        var gateways = CliOption.Int("--gateways", 1, "gateway nodes beside the one control node", 1, 8);
        var rounds = CliOption.Int("--rounds", 5, "kill rounds", 1, 100);
        var parallel = CliOption.Int("--parallel", 100, "connection attempts in flight at once", 1, 1000);
        var command = new Command("gateway", "simulated devices through the device gateway: connect, memory, kill frames") { devices, gateways, rounds, parallel, cloudDll }
            .WithDetails("""
                --devices simulated devices in this process, each with its own certificate, TLS connection and stream,
                speaking the device wire protocol (register with a signed proof, kill sync, heartbeats every 10 s, kill
                acks; a simulated device acknowledges the epoch it received without verifying the policy's signature).
                Measures: connect -> all registered; cloud memory (RSS) per 1,000 connected devices; cloud CPU with
                every device idle for 30 s; per round, kill engage and release -> the policy frame at each device
                (p50/p99/max) and -> the cloud's status showing all acknowledged. Medians over the rounds.
                Budgets (DESIGN.md, for 10,000 devices; exit 1 when one is missed): all registered <= 60 s, scaled to
                60 s x N/10,000 (at least 10 s) below 10,000; kill engage -> received p99 <= 1 s; <= 60 MB of cloud
                memory per 1,000 devices. Certificates are issued once and kept in the temp folder (fleet-bench-gateway).
                """);
        command.SetAction((r, _) => GatewayAsync(CloudDllOf(r, cloudDll), r.GetValue(devices), r.GetValue(gateways), r.GetValue(rounds),
            r.GetValue(parallel), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Tls()
    {
        var connections = CliOption.Int("--connections", 3000, "idle mutual-TLS connections", 1, 60_000);
        var command = new Command("tls", "what mutual TLS alone costs per connection: the floor under the gateway's memory") { connections }
            .WithDetails("""
                This process holds --connections idle server-side TLS streams with the gateway's handshake settings (a
                node certificate, a device certificate required, a throwaway fleet CA as the only root); a child process
                holds their clients. Measures this process's RSS and managed heap before and after, per connection: what
                TLS costs a gateway per device before HTTP/2, gRPC or actors. A reference, with no budget of its own.
                """);
        command.SetAction((r, _) => TlsAsync(r.GetValue(connections), r.GetValue(FleetCli.Json)));
        return command;
    }

    /// <summary>The client side of <c>tls</c>, run as its child process.</summary>
    private static Command TlsClients()
    {
        var port = new Argument<int>("port");
        var connections = new Argument<int>("connections");
        var pfx = new Argument<string>("pfx");
        var command = new Command(TlsFloorBenchmark.ClientsCommand, "the client side of 'tls' (run by it)") { port, connections, pfx };
        command.Hidden = true;
        command.SetAction((r, _) => TlsFloorBenchmark.ClientsAsync(r.GetValue(port), r.GetValue(connections), r.GetValue(pfx)!));
        return command;
    }

    private static Command ConsoleBench()
    {
        var cloudDll = CloudDll();
        var devices = CliOption.Int("--devices", 1000, "simulated devices connected through the gateway", 1, 60_000);
        var rounds = CliOption.Int("--rounds", 5, "page loads and kills", 1, 100);
        var parallel = CliOption.Int("--parallel", 100, "connection attempts in flight at once", 1, 1000);
        var command = new Command("console", "the operator console in headless Chromium") { devices, rounds, parallel, cloudDll }
            .WithDetails("""
                The operator console in Debian's headless Chromium (1280x720, cache off) against a throwaway cloud with
                --devices simulated devices connected through its gateway (as in 'gateway'), signed in with the admin
                token. Per round: a cold load of the Fleet page (first contentful paint, every device's row drawn, bytes
                transferred, of which GET /api/v1/devices); then with the Kill-switch page open, a kill engaged and
                released: the cloud's first acknowledgement -> the page's progress bar moving, and its last -> the bar
                full. Medians over the rounds. Budgets (exit 1 when missed): first contentful paint <= 1 s;
                acknowledgement -> bar moving <= 1.5 s (the change stream reads the cloud once a second).
                """);
        command.SetAction((r, _) => ConsoleAsync(CloudDllOf(r, cloudDll), r.GetValue(devices), r.GetValue(rounds), r.GetValue(parallel), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Rollout()
    {
        var cloudDll = CloudDll();
        var edges = CliOption.Int("--edges", 20, "devices in this process");
        var rounds = CliOption.Int("--rounds", 3, "corrupt versions rolled out");
        var command = new Command("rollout", "a corrupt model rollout -> gate breach -> rolled back") { edges, rounds, cloudDll }
            .WithDetails("""
                Each round publishes a corrupt model version and rolls it out (stages 25,100) to --edges devices in this
                process; time from rollout start to the gates' breach and to every cohort device confirmed back.
                """);
        command.SetAction((r, _) => RolloutAsync(CloudDllOf(r, cloudDll), r.GetValue(edges), r.GetValue(rounds), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Delegate()
    {
        var (campaign, cloudDll) = (Campaign(), CloudDll());
        var runs = CliOption.Int("--runs", 5, "delegated 1080p renders timed");
        var jobs = CliOption.Int("--jobs", 12, "jobs queued for the throughput measurement");
        var command = new Command("delegate", "renders delegated to the cloud's render worker") { runs, jobs, campaign, cloudDll }
            .WithDetails("""
                (1) a 10 s 1080p render asked of a 720p device -> MP4 on the device, via the cloud render worker (the
                first run apart: it prepares the 1080p template); (2) one worker's renders/minute for the sample
                template, jobs always queued.
                """);
        command.SetAction((r, _) => DelegateAsync(CloudDllOf(r, cloudDll), r.GetValue(campaign)!, Math.Max(1, r.GetValue(runs)), Math.Max(1, r.GetValue(jobs)),
            r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Telemetry()
    {
        var renders = CliOption.Int("--renders", 5000, "renders written to the outbox (at least 100)");
        var command = new Command("telemetry", "outbox write cost and upload bytes") { renders }
            .WithDetails("Outbox write cost per render (p50 us) and upload bytes per device per hour at one render a minute.");
        command.SetAction(r => Telemetry(r.GetValue(renders), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Events()
    {
        var renders = CliOption.Int("--renders", 2000, "renders whose player events are timed (at least 100)");
        var command = new Command("events", "one player event on the device") { renders }
            .WithDetails("""
                One player event on the device (render ledger check and append, bandit outcome update, telemetry fold
                and outbox upsert; HTTP parsing excluded) in us, p50 and p99 over a kiosk's usual sequence per render.
                Exit 1 when p50 is over 500 us.
                """);
        command.SetAction(r => Events(r.GetValue(renders), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Audit()
    {
        var campaign = Campaign();
        var entries = CliOption.Int("--entries", 5000, "audit entries built and appended", 100, 1_000_000);
        var perDay = CliOption.Int("--renders-per-day", 1440, "renders a device makes a day (default: one a minute)", 1, 10_000_000);
        var command = new Command("audit", "the audit entry of one render") { entries, perDay, campaign }
            .WithDetails("""
                The audit entry of one render: building it (inputs digest, detail) and appending it (hash, write, fsync)
                in us (p50), bytes per entry, and bytes per device per day at --renders-per-day.
                Exit 1 when build + append p50 is over 200 us.
                """);
        command.SetAction(r => Audit(r.GetValue(campaign)!, r.GetValue(entries), r.GetValue(perDay), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Offline()
    {
        var campaign = Campaign();
        var minutes = CliOption.Int("--minutes", 10, "how long the player asks, in minutes", 1, 24 * 60);
        var every = CliOption.Text("--every", "1s", "how often the player asks for an ad", "DURATION");
        var command = new Command("offline", "a device whose cloud never answers keeps answering its player") { minutes, every, campaign }
            .WithDetails("""
                A real agent process whose cloud never answers (development membership, seed on a closed port: every
                join attempt fails) serves --campaign while a player asks for an ad every --every for --minutes, with
                varied contexts (fresh renders and cache hits). Prints requests answered with a playable ad, answer time
                p50/p99/max and the join attempts meanwhile. Exit 1 when any request was not answered.
                """);
        command.SetAction((r, _) => OfflineAsync(r.GetValue(campaign)!, r.GetValue(minutes), DurationOf(r.GetValue(every)!, "--every", "1s, 500ms"), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Learning()
    {
        var devices = CliOption.Int("--devices", 50, "simulated devices in each group", 1, 10_000);
        var impressions = CliOption.Int("--impressions", 2000, "impressions per device", LearningBenchmark.Window, 1_000_000);
        var buckets = CliOption.Int("--buckets", 4, "context buckets", 1, 64);
        var variants = CliOption.Int("--variants", 6, "copy variants", 2, 64);
        var seed = CliOption.Int("--seed", 1, "the simulation's random seed");
        var command = new Command("learning", "a simulated fleet learning with and without the fleet prior") { devices, impressions, buckets, variants, seed }
            .WithDetails("""
                A simulated fleet with known click rates per context bucket and copy variant (the best variant differs by
                bucket, each device's audience deviates from the fleet's). --devices learn alone for --impressions each;
                their counts merged as the cloud merges uploads become the fleet prior; then --devices new devices run
                alone and from the prior on the same contexts. Prints regret (expected clicks lost against each bucket's
                best variant) at checkpoints and the impressions a device needs before its choices earn 90 % of the best
                policy's click rate (200-impression window; median over devices).
                Exit 1 when the prior does not cut regret to <= 75 % of learning alone. The real path does the same with
                uploads (learning rows), `fleet_learning` and the signed prior of GET /api/v1/campaigns/{id}/prior.
                """);
        command.SetAction(r => Learning(new LearningBenchmark.Options(r.GetValue(devices), r.GetValue(impressions), r.GetValue(buckets), r.GetValue(variants),
            r.GetValue(seed)), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Command Metrics()
    {
        var renders = CliOption.Int("--renders", 200_000, "renders recorded per batch", 1000, 100_000_000);
        var command = new Command("metrics", "what recording one render's metrics costs") { renders }
            .WithDetails("""
                The render histogram by path and encoder and one stage histogram per stage, with the agent's meter
                provider and Prometheus exporter listening: us per render (p50 and max over 5 batches) and bytes
                allocated per render. Exit 1 when p50 is over 5 us.
                """);
        command.SetAction(r => Metrics(r.GetValue(renders), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static Option<string> Campaign() => CliOption.Text("--campaign", SampleCampaign, "the campaign folder", "DIR");

    private static Option<string?> CloudDll() =>
        CliOption.Text("--cloud-dll", "the fleet-cloud.dll the benchmark starts as its throwaway cloud (default: FLEET_CLOUD_DLL)", "PATH");

    private static Option<bool> Mtls() => CliOption.Flag("--mtls",
        "the cloud gets a fresh fleet CA and every device a certificate and connects through its device gateway (gRPC, mutual TLS), " +
        "as enrolled devices do; otherwise devices join as members (--insecure-dev)");

    private static string CloudDllOf(ParseResult r, Option<string?> option) =>
        r.GetValue(option) ?? Environment.GetEnvironmentVariable("FLEET_CLOUD_DLL")
        ?? throw new UsageException("where is fleet-cloud? pass --cloud-dll PATH or run ./fleet bench ...");

    private static TimeSpan DurationOf(string text, string option, string example) =>
        Durations.Parse(text) ?? throw new UsageException($"{option} '{text}' is not a duration (e.g. {example})");
}
