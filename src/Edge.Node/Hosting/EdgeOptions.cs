using Fleet.Edge.Identity;
using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.Hosting;

/// <summary>Everything <c>fleet-edge agent</c> is told on its command line, validated.</summary>
public sealed record EdgeOptions
{
    public required IReadOnlyList<SeedAddress> Seeds { get; init; }
    /// <summary>Gateways to connect to (enrolled devices); default: the enrolment bundle's.</summary>
    public IReadOnlyList<SeedAddress> Gateways { get; init; } = Array.Empty<SeedAddress>();
    /// <summary>How the device reaches the cloud; null: through a gateway when enrolled, as a member with --insecure-dev.</summary>
    public JoinMode? Join { get; init; }
    public string? DeviceId { get; init; }
    public string DataDir { get; init; } = "./data/edge";
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; }
    /// <summary>Local API port for the kiosk player; 0 = off.</summary>
    public int HttpPort { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>A campaign folder installed on the device, rendered by <c>POST /v1/render</c>.</summary>
    public string? CampaignDir { get; init; }

    /// <summary>Plain TCP remoting, no certificate: only for a development cloud also started with --insecure-dev.</summary>
    public bool InsecureDev { get; init; }

    public Telemetry.TelemetrySettings Telemetry { get; init; } = new();

    /// <summary>When the signed audit chain head is uploaded (enrolled devices).</summary>
    public Audit.AuditUploadSettings AuditUpload { get; init; } = new();

    /// <summary>The tallest render this device makes itself; taller variants are delegated to cloud render workers.</summary>
    public int MaxRenderHeight { get; init; } = 720;

    /// <summary>Resource pressure that sends renders to the cloud (see <see cref="Rendering.ResourcePressure"/>).</summary>
    public Rendering.ResourcePressure Pressure { get; init; } = new();

    /// <summary>When the background scrub re-hashes the device's store (default: daily, first 10 minutes after start).</summary>
    public Store.ScrubSettings Scrub { get; init; } = Store.ScrubSettings.Default;

    /// <summary>How many renders the device remembers for player events, and for how long.</summary>
    public Player.RenderLedgerOptions RenderLedger { get; init; } = new();

    /// <summary>Web origins whose pages may call the local API (CORS); none by default, so only same-origin pages (<c>/player</c>) can.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = Array.Empty<string>();

    /// <summary>Renders the local API runs at once; more are answered 429 with Retry-After.</summary>
    public int MaxConcurrentRenders { get; init; } = Rendering.RenderGate.DefaultLimit;

    /// <summary>Console log format and levels.</summary>
    public Shared.Logging.LogSettings Log { get; init; } = new();

    /// <summary>Trace export (<c>--otlp-endpoint</c>); off by default.</summary>
    public Shared.Tracing.TraceSettings Traces { get; init; } = new();

    public const string CorsVariable = "FLEET_CORS_ORIGINS";

    /// <summary>The fraction of its lifetime left at which the device certificate is renewed through the gateway.</summary>
    public double RenewBefore { get; init; } = CertificateRenewal.DefaultRenewBefore;

    /// <summary>Accelerator chain for the embedding model (<c>--ep xnnpack,cpu</c>), validated; null: CPU only.</summary>
    public string? ExecutionProviders { get; init; }

    /// <summary>A personalisation model no render used for this long has its session closed (<c>--model-unload-after</c>).</summary>
    public TimeSpan ModelUnloadAfter { get; init; } = Personalisation.PersonaliseSettings.DefaultUnloadUnusedModelAfter;

    public static readonly string[] KnownOptions =
        [ "ep", "seed", "gateway", "join", "device-id", "data", "host", "port", "http", "tags", "campaign", "insecure-dev", "telemetry-k", "telemetry-seal", "upload-bps", "upload-burst", "max-render-height",
          "delegate-above-temp", "delegate-above-cpu", "scrub-every", "renew-before",
          "events-keep", "events-expiry", "cors-origin", "max-concurrent-renders", "model-unload-after", .. Shared.Logging.LogSettings.Options,
          .. Shared.Tracing.TraceSettings.Options ];
    public static readonly string[] BooleanOptions = { "insecure-dev" };

    public const string Usage = """
        usage: fleet-edge agent [--gateway HOST:PORT ...] [--data ./data/edge]
                                [--insecure-dev --seed HOST:PORT ... --device-id ID --tags k=v,... [--join member]]
                                [--http PORT] [--campaign DIR] [--host 127.0.0.1] [--port 0]
                                [--telemetry-k 5] [--telemetry-seal SECONDS] [--upload-bps 4096] [--upload-burst 65536]
                                [--max-render-height 720] [--delegate-above-temp 80] [--delegate-above-cpu PERCENT]
                                [--scrub-every 1d] [--renew-before 1/3] [--events-keep 10000] [--events-expiry 24h]
                                [--ep xnnpack,cpu] [--model-unload-after 2m] [--cors-origin ORIGIN ...] [--max-concurrent-renders 2]
                                [--log-format text|json] [--log-level info] [--akka-log-level WARNING]
                                [--otlp-endpoint URL]
          runs a device: connects to the fleet by itself (retrying with backoff), registers, serves the local API on --http
          (POST /v1/render renders --campaign for a context and answers with a render_id; POST /v1/events
          {render_id, kind: impression_start|q25|q50|q75|complete|click|scan|dwell, dwell_ms?} reports what the player
          saw, each kind counted once per render (404 for an unknown or expired render id); GET /v1/renders/ID.mp4;
          GET /healthz (alive); GET /readyz (200 once a campaign is in force and the personalisation model loaded, else
          503 with the reason); GET /v1/status; GET /player, a kiosk player page looping those ads). Every error answer
          is JSON {"error": "..."}; POST bodies must be application/json (else 415).
          --cors-origin ORIGIN (repeatable; or FLEET_CORS_ORIGINS=a,b): web origins (e.g. https://player.example) whose
          pages may call the local API from a browser; none by default. --max-concurrent-renders: renders run at once
          (default 2); more are answered 429 with Retry-After.
          An enrolled device (fleet-edge enroll) keeps one stream (gRPC, mutual TLS with <data>/enrolment) to one of
          the gateways of its bundle or --gateway, failing over between them; its tags are its enrolment record's.
          It is never a cluster member. --insecure-dev instead joins a development cluster as a member (no TLS) through
          --seed, with --device-id and --tags of its own choosing (--join member is the only mode there).
          HOST may be a DNS name; it is resolved anew on every connection attempt.
          --telemetry-k: cohort rows with fewer distinct users are not uploaded; --telemetry-seal N: also seal the
          minute in progress every N seconds (tests, demos); --upload-bps / --upload-burst: telemetry upload bandwidth in bytes/s and
          the burst allowed after idle time.
          --max-render-height: the tallest variant this device renders itself; a request for more ("resolution": "1080p")
          or with "mode": "cloud" is delegated to a cloud render worker within the campaign's budget, else rendered locally.
          --delegate-above-temp / --delegate-above-cpu: resource pressure (the hottest thermal zone, whole-device CPU %,
          sampled every 15 s) above which renders are delegated too; CPU pressure is off unless given.
          --scrub-every: how often the whole store (campaign assets, models) is hashed again in the background, one file
          at a time at 16 MB/s (e.g. 12h, 1d; the first scrub runs 10 minutes after start, or after this when shorter).
          Every asset is also verified at use; a file that fails is quarantined, never rendered, and fetched again.
          --renew-before: an enrolled device asks for a new certificate (over a new key, through its stream) once less
          than this fraction of the certificate's lifetime is left: 1/3 (default), 0.25 or 25%. An expired certificate
          cannot connect: such a device must be enrolled again.
          --events-keep / --events-expiry: the newest renders remembered for player events (<data>/player/renders.jsonl)
          and how long after a render its events still count.
          --ep: accelerator chain for the embedding model, best first (cpu, xnnpack, qnn (alias npu), cuda, tensorrt,
          rocm, dml, openvino, coreml); each is opened and probed with a real inference at start, the first that works
          is used, and one that fails later hands over to the next without failing a render. CPU always ends the chain.
          --model-unload-after: a personalisation model no render used for this long (the built-in one once a rollout
          moved every campaign to another, say) has its session closed, and is opened again if a render needs it;
          the model in use is never closed.
        """ + "\n" + Shared.Logging.LogSettings.Usage + "\n" + Shared.Tracing.TraceSettings.Usage;

    private static string? EpFrom(string? text)
    {
        if (text is null) return null;
        try
        {
            return string.Join(",", Fleet.Shared.Personalisation.Embedding.ExecutionProviders.Chain(text));
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"--ep: {ex.Message}");
        }
    }

    private static Telemetry.TelemetrySettings TelemetryFrom(CommandArgs a)
    {
        var t = new Telemetry.TelemetrySettings();
        var k = a.GetInt("telemetry-k", t.K);
        if (k < 1) throw new UsageException("--telemetry-k must be at least 1");
        var seal = a.GetInt("telemetry-seal", 0);
        var bps = a.GetInt("upload-bps", t.UploadBytesPerSecond);
        if (bps < 64) throw new UsageException("--upload-bps must be at least 64");
        var burst = a.GetInt("upload-burst", t.UploadBurstBytes);
        if (burst < 64) throw new UsageException("--upload-burst must be at least 64");
        return t with
        {
            K = k,
            SealPartialMinutes = seal > 0,
            SealInterval = seal > 0 ? TimeSpan.FromSeconds(seal) : t.SealInterval,
            UploadBytesPerSecond = bps,
            UploadBurstBytes = burst,
        };
    }

    private static Player.RenderLedgerOptions LedgerFrom(CommandArgs a)
    {
        var keep = a.GetInt("events-keep", new Player.RenderLedgerOptions().MaxRenders, 1, 1_000_000);
        if (a.Get("events-expiry") is not { } text) return new(keep);
        var expiry = Durations.Parse(text);
        if (expiry is not { TotalSeconds: >= 1 }) throw new UsageException($"--events-expiry '{text}' is not a duration of at least 1s (e.g. 1h, 24h)");
        return new(keep, expiry);
    }

    private static Store.ScrubSettings ScrubFrom(CommandArgs a)
    {
        var d = Store.ScrubSettings.Default;
        if (a.Get("scrub-every") is not { } text) return d;
        var every = Durations.Parse(text);
        if (every is not { TotalSeconds: >= 1 }) throw new UsageException($"--scrub-every '{text}' is not a duration of at least 1s (e.g. 12h, 1d)");
        return d with { Every = every.Value };
    }

    public static EdgeOptions From(CommandArgs a)
    {
        a.RejectUnknown(KnownOptions);
        var seeds = a.GetAll("seed").Select(SeedAddress.Parse).ToList();
        return new EdgeOptions
        {
            Seeds = seeds,
            Gateways = a.GetAll("gateway").Select(SeedAddress.Parse).ToList(),
            Join = a.Get("join") switch
            {
                null => null,
                "gateway" => JoinMode.Gateway,
                "member" => JoinMode.Member,
                var other => throw new UsageException($"--join '{other}': use gateway or member"),
            },
            DeviceId = a.Get("device-id") is { } id ? IdArguments.Parse<Shared.Devices.DeviceId>(id).Value : null,
            DataDir = Path.GetFullPath(a.Get("data", "./data/edge")),
            ExecutionProviders = EpFrom(a.Get("ep")),
            ModelUnloadAfter = a.Get("model-unload-after") is { } unload
                ? Durations.Parse(unload) is { TotalSeconds: >= 1 } after ? after : throw new UsageException($"--model-unload-after '{unload}' is not a duration of at least 1s (e.g. 30s, 2m)")
                : Personalisation.PersonaliseSettings.DefaultUnloadUnusedModelAfter,
            Host = a.Get("host", "127.0.0.1"),
            Port = a.GetInt("port", 0),
            HttpPort = a.GetInt("http", 0),
            Tags = TagText.Parse(a.Get("tags")),
            CampaignDir = a.Get("campaign") is { } dir ? Path.GetFullPath(dir) : null,
            InsecureDev = a.Flag("insecure-dev"),
            Telemetry = TelemetryFrom(a),
            MaxRenderHeight = a.GetInt("max-render-height", 720, 144, 4320),
            Scrub = ScrubFrom(a),
            RenderLedger = LedgerFrom(a),
            Pressure = new Rendering.ResourcePressure(a.GetInt("delegate-above-temp", 80, 30, 120, "°C"),
                a.Get("delegate-above-cpu") is null ? null : a.GetInt("delegate-above-cpu", 0, 10, 100, "%")),
            RenewBefore = a.Get("renew-before") is { } rb ? ParseFraction(rb, "--renew-before") : CertificateRenewal.DefaultRenewBefore,
            CorsOrigins = CorsOriginsFrom(a),
            MaxConcurrentRenders = a.GetInt("max-concurrent-renders", Rendering.RenderGate.DefaultLimit, 1, 64),
            Log = Shared.Logging.LogSettings.From(a),
            Traces = Shared.Tracing.TraceSettings.From(a),
        };
    }

    /// <summary>--cors-origin (repeatable), else FLEET_CORS_ORIGINS (comma-separated): each a scheme://host[:port] origin.</summary>
    private static IReadOnlyList<string> CorsOriginsFrom(CommandArgs a)
    {
        var given = a.GetAll("cors-origin");
        var raw = given.Count > 0 ? given
            : (Environment.GetEnvironmentVariable(CorsVariable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return raw.Select(o => Uri.TryCreate(o, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.AbsolutePath == "/" && u.Query == ""
                && !o.TrimEnd('/').EndsWith('/') ? u.GetLeftPart(UriPartial.Authority)
            : throw new UsageException($"--cors-origin '{o}' is not an origin like https://player.example or http://localhost:8080")).Distinct().ToList();
    }

    /// <summary><c>1/3</c>, <c>0.25</c> or <c>25%</c>: a fraction strictly between 0 and 1.</summary>
    public static double ParseFraction(string raw, string flag)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var style = System.Globalization.NumberStyles.Float;
        double? value = raw.Split('/') is [var n, var d] && double.TryParse(n, style, inv, out var num) && double.TryParse(d, style, inv, out var den) && den != 0 ? num / den
            : raw.EndsWith('%') && double.TryParse(raw[..^1], style, inv, out var pct) ? pct / 100
            : double.TryParse(raw, style, inv, out var plain) ? plain
            : null;
        return value is > 0 and < 1 ? value.Value
            : throw new UsageException($"{flag} '{raw}' must be a fraction between 0 and 1 (for example 1/3, 0.25 or 25%)");
    }
}

/// <summary>How a device reaches the cloud.</summary>
public enum JoinMode { Gateway, Member }
