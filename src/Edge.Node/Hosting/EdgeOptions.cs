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

    public static readonly string[] KnownOptions =
        { "seed", "gateway", "join", "device-id", "data", "host", "port", "http", "tags", "campaign", "insecure-dev", "telemetry-k", "telemetry-seal", "upload-bps", "upload-burst", "max-render-height",
          "delegate-above-temp", "delegate-above-cpu" };
    public static readonly string[] BooleanOptions = { "insecure-dev" };

    public const string Usage = """
        usage: fleet-edge agent [--gateway HOST:PORT ...] [--data ./data/edge]
                                [--insecure-dev --seed HOST:PORT ... --device-id ID --tags k=v,... [--join member]]
                                [--http PORT] [--campaign DIR] [--host 127.0.0.1] [--port 0]
                                [--telemetry-k 5] [--telemetry-seal SECONDS] [--upload-bps 4096] [--upload-burst 65536]
                                [--max-render-height 720] [--delegate-above-temp 80] [--delegate-above-cpu PERCENT]
          runs a device: connects to the fleet by itself (retrying with backoff), registers, serves the local API on --http
          (POST /v1/render renders --campaign for a context; GET /v1/renders/ID.mp4; GET /healthz; GET /v1/status).
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
        """;

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
            DeviceId = a.Get("device-id") is { } id ? Shared.Devices.DeviceId.Validate(id) : null,
            DataDir = Path.GetFullPath(a.Get("data", "./data/edge")),
            Host = a.Get("host", "127.0.0.1"),
            Port = a.GetInt("port", 0),
            HttpPort = a.GetInt("http", 0),
            Tags = TagText.Parse(a.Get("tags")),
            CampaignDir = a.Get("campaign") is { } dir ? Path.GetFullPath(dir) : null,
            InsecureDev = a.Flag("insecure-dev"),
            Telemetry = TelemetryFrom(a),
            MaxRenderHeight = a.GetInt("max-render-height", 720, 144, 4320),
            Pressure = new Rendering.ResourcePressure(a.GetInt("delegate-above-temp", 80, 30, 120, "°C"),
                a.Get("delegate-above-cpu") is null ? null : a.GetInt("delegate-above-cpu", 0, 10, 100, "%")),
        };
    }
}

/// <summary>How a device reaches the cloud.</summary>
public enum JoinMode { Gateway, Member }
