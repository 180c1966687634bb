using System.CommandLine;
using Fleet.Shared.Cli;

namespace Fleet.Edge.Hosting;

/// <summary>
/// The options of <c>fleet-edge agent</c>, declared once: the parser, <c>--help</c> and shell completion read them here;
/// <see cref="EdgeOptions.From"/> validates what they hold.
/// </summary>
public static class EdgeFlags
{
    public const string Description = "run a device: join the fleet, register, serve the local API";

    public const string Details = """
        Connects to the fleet by itself (retrying with backoff) and serves the local API on --http: POST /v1/render renders
        --campaign for a context and answers with a render_id; POST /v1/events {render_id, kind: impression_start|q25|q50|
        q75|complete|click|scan|dwell, dwell_ms?} reports what the player saw, each kind counted once per render (404 for
        an unknown or expired render id); GET /v1/renders/ID.mp4; GET /healthz (alive); GET /readyz (200 once a campaign
        is in force and the personalisation model loaded, else 503 with the reason); GET /v1/status; GET /player, a kiosk
        player page looping those ads. Every error answer is JSON {"error": "..."}; POST bodies must be application/json
        (else 415).
        An enrolled device (fleet-edge enroll) keeps one stream (gRPC, mutual TLS with <data>/enrolment) to one of the
        gateways of its bundle or --gateway, failing over between them; its tags are its enrolment record's. It is never
        a cluster member. --insecure-dev instead joins a development cluster as a member (no TLS) through --seed, with
        --device-id and --tags of its own choosing (--join member is the only mode there). HOST may be a DNS name; it is
        resolved anew on every connection attempt.
        """;

    public static readonly Option<string[]> Gateway = CliOption.Many("--gateway", "a gateway to connect to (repeatable); default: the enrolment bundle's", "HOST:PORT");
    public static readonly Option<string> Data = CliOption.Text("--data", "./data/edge", "the device's data folder", "DIR");
    public static readonly Option<bool> InsecureDev = CliOption.Flag("--insecure-dev", "join a development cluster as a member, plain TCP, no certificate (only with a cloud also started with --insecure-dev)");
    public static readonly Option<string[]> Seed = CliOption.Many("--seed", "a seed node of the development cluster (repeatable; with --insecure-dev)", "HOST:PORT");
    public static readonly Option<string?> DeviceId = CliOption.Text("--device-id", "the device's id (with --insecure-dev)", "ID");
    public static readonly Option<string?> Tags = CliOption.Text("--tags", "the device's tags (with --insecure-dev)", "k=v,...");
    public static readonly Option<string?> Join = CliOption.Text("--join", "how the device reaches the cloud: gateway (enrolled) or member (--insecure-dev)", "gateway|member");
    public static readonly Option<int> Http = CliOption.Int("--http", 0, "the local API's port; 0: off");
    public static readonly Option<string?> Campaign = CliOption.Text("--campaign", "a campaign folder installed on the device, rendered by POST /v1/render", "DIR");
    public static readonly Option<string> Host = CliOption.Text("--host", "127.0.0.1", "the address the node binds", "HOST");
    public static readonly Option<int> Port = CliOption.Int("--port", 0, "the remoting port; 0: any free port");
    public static readonly Option<int> TelemetryK = CliOption.Int("--telemetry-k", new Telemetry.TelemetrySettings().K, "cohort rows with fewer distinct users are not uploaded", min: 1);
    public static readonly Option<int> TelemetrySeal = CliOption.Int("--telemetry-seal", 0, "also seal the minute in progress every N seconds (tests, demos); 0: off");
    public static readonly Option<int> UploadBps = CliOption.Int("--upload-bps", new Telemetry.TelemetrySettings().UploadBytesPerSecond, "telemetry upload bandwidth in bytes/s", min: 64);
    public static readonly Option<int> UploadBurst = CliOption.Int("--upload-burst", new Telemetry.TelemetrySettings().UploadBurstBytes, "telemetry upload burst allowed after idle time, in bytes", min: 64);
    public static readonly Option<int> MaxRenderHeight = CliOption.Int("--max-render-height", 720,
        "the tallest variant this device renders itself; a request for more (\"resolution\": \"1080p\") or with \"mode\": \"cloud\" is delegated to a cloud render worker within the campaign's budget, else rendered locally",
        144, 4320);
    public static readonly Option<int> DelegateAboveTemp = CliOption.Int("--delegate-above-temp", 80,
        "the hottest thermal zone (sampled every 15 s) above which renders are delegated", 30, 120, "°C");
    public static readonly Option<int?> DelegateAboveCpu = CliOption.OptionalInt("--delegate-above-cpu",
        "whole-device CPU % (sampled every 15 s) above which renders are delegated; off unless given", 10, 100, "%");
    public static readonly Option<string?> ScrubEvery = CliOption.Text("--scrub-every",
        "how often the whole store (campaign assets, models) is hashed again in the background, one file at a time at 16 MB/s (default 1d; the first scrub runs 10 minutes after start, or after this when shorter). Every asset is also verified at use; a file that fails is quarantined, never rendered, and fetched again",
        "12h|1d");
    public static readonly Option<string?> RenewBefore = CliOption.Text("--renew-before",
        "an enrolled device asks for a new certificate (over a new key, through its stream) once less than this fraction of the certificate's lifetime is left: 1/3 (default), 0.25 or 25%. An expired certificate cannot connect: such a device must be enrolled again",
        "FRACTION");
    public static readonly Option<int> EventsKeep = CliOption.Int("--events-keep", new Player.RenderLedgerOptions().MaxRenders,
        "the newest renders remembered for player events (<data>/player/renders.jsonl)", 1, 1_000_000);
    public static readonly Option<string?> EventsExpiry = CliOption.Text("--events-expiry", "how long after a render its events still count (default 24h)", "DURATION");
    public static readonly Option<string?> Ep = CliOption.Text("--ep",
        "accelerator chain for the embedding model, best first (cpu, xnnpack, qnn (alias npu), cuda, tensorrt, rocm, dml, openvino, coreml); each is opened and probed with a real inference at start, the first that works is used, and one that fails later hands over to the next without failing a render. CPU always ends the chain",
        "xnnpack,cpu");
    public static readonly Option<string?> ModelUnloadAfter = CliOption.Text("--model-unload-after",
        "a personalisation model no render used for this long has its session closed, and is opened again if a render needs it; the model in use is never closed (default 2m)",
        "DURATION");
    public static readonly Option<string[]> CorsOrigin = CliOption.Many("--cors-origin",
        $"a web origin (e.g. https://player.example) whose pages may call the local API from a browser (repeatable; or {EdgeOptions.CorsVariable}=a,b); none by default",
        "ORIGIN");
    public static readonly Option<int> MaxConcurrentRenders = CliOption.Int("--max-concurrent-renders", Rendering.RenderGate.DefaultLimit,
        "renders run at once; more are answered 429 with Retry-After", 1, 64);

    public static IReadOnlyList<Option> All { get; } =
    [
        Gateway, Data, InsecureDev, Seed, DeviceId, Tags, Join, Http, Campaign, Host, Port, TelemetryK, TelemetrySeal, UploadBps, UploadBurst,
        MaxRenderHeight, DelegateAboveTemp, DelegateAboveCpu, ScrubEvery, RenewBefore, EventsKeep, EventsExpiry, Ep, ModelUnloadAfter,
        CorsOrigin, MaxConcurrentRenders, .. Shared.Logging.LogSettings.Declared, .. Shared.Tracing.TraceSettings.Declared,
    ];
}
