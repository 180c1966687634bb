using Fleet.Cloud.Enrolment;
using Fleet.Shared.Cluster;
using Fleet.Shared.Persistence;

namespace Fleet.Cloud.Hosting;

/// <summary>Everything <c>fleet-cloud agent</c> is told on its command line, validated.</summary>
public sealed record CloudOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 4053;
    public string HttpUrl { get; init; } = "http://127.0.0.1:5080";
    public IReadOnlyList<string> Roles { get; init; } = new[] { FleetCluster.ControlRole, FleetCluster.RenderRole };
    /// <summary>Where a node with role gateway accepts device streams (on the --http host).</summary>
    public int GatewayPort { get; init; } = DefaultGatewayPort;
    public const int DefaultGatewayPort = 4443;
    /// <summary>Gateway addresses written into enrolment bundles; default this node's --host and --gateway-port.</summary>
    public IReadOnlyList<SeedAddress> GatewayAddresses { get; init; } = Array.Empty<SeedAddress>();
    public string DataDir { get; init; } = "./data/cloud";
    public required DbTarget Db { get; init; }
    public IReadOnlyList<SeedAddress> Seeds { get; init; } = Array.Empty<SeedAddress>();
    public string? AdminToken { get; init; }
    /// <summary>A file holding the deployment's key secret, which seals the control plane's private keys in the database.</summary>
    public string? KeySecretFile { get; init; }
    /// <summary>The key secret itself, from FLEET_KEY_SECRET (when no file is given).</summary>
    public string? KeySecret { get; init; }
    /// <summary>Plain TCP remoting and no certificates: development only, logged as a warning.</summary>
    public bool InsecureDev { get; init; }
    /// <summary>The fleet CA key (its certificate <c>ca.crt</c> lies beside it); default <c>&lt;data&gt;/ca/ca.key</c>.</summary>
    public string? CaKeyPath { get; init; }
    /// <summary>
    /// A pre-issued node certificate (from <c>ca issue-node</c>) with its key and the CA certificate: the node runs
    /// without the CA key, so it issues nothing (render workers). All three are given together or not at all.
    /// </summary>
    public NodeCertificateFiles? NodeCertificate { get; init; }
    /// <summary>
    /// How long a device certificate the fleet CA issues (at enrolment or renewal) is valid. Devices renew through their
    /// stream once a configurable fraction of it is left (<c>fleet-edge agent --renew-before</c>).
    /// </summary>
    public TimeSpan DeviceCertificateLifetime { get; init; } = DefaultDeviceCertificateLifetime;
    public static readonly TimeSpan DefaultDeviceCertificateLifetime = TimeSpan.FromDays(730);
    /// <summary>How long telemetry windows are kept for queries; older batches leave the journal with the ingest's next snapshot.</summary>
    public TimeSpan TelemetryRetention { get; init; } = TimeSpan.FromHours(24);
    /// <summary>How long the hourly player-outcome rollups behind <c>report campaign</c> stay in the database (<c>--report-retention</c>).</summary>
    public TimeSpan ReportRetention { get; init; } = DefaultReportRetention;
    public static readonly TimeSpan DefaultReportRetention = TimeSpan.FromDays(90);
    /// <summary>Age at which the active signing key is replaced on schedule (<c>--rotate-every</c>); null: only by hand.</summary>
    public TimeSpan? RotateEvery { get; init; } = DefaultRotateEvery;
    public static readonly TimeSpan DefaultRotateEvery = TimeSpan.FromDays(90);
    /// <summary>When superseded signing keys leave the trust set by themselves (<c>--retire-after</c>, <c>--write-off-after</c>).</summary>
    public Keys.KeyRetirement.Policy Retirement { get; init; } = Keys.KeyRetirement.Policy.Default;
    /// <summary>How often the audit chain head is signed (when something was appended).</summary>
    public TimeSpan AuditHeadInterval { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>How often the rollout coordinator observes the fleet and judges its gates.</summary>
    public TimeSpan RolloutTick { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Campaign rollouts hold at stage 1 until every copy variant of the version is approved (<c>--require-review</c>).</summary>
    public bool RequireReview { get; init; }
    /// <summary>Render jobs this node's worker runs at once (render nodes only).</summary>
    public int RenderSlots { get; init; } = DefaultRenderSlots;
    private static int DefaultRenderSlots => Math.Max(1, Environment.ProcessorCount / 2);
    /// <summary>The content store (campaign assets and finished cloud renders); render-only nodes share it with the API nodes.</summary>
    public string? StoreDir { get; init; }
    /// <summary>Tests only: an injected render-worker fault (a hang or a throw before each render).</summary>
    public Func<Fleet.Shared.RenderJobs.RenderJobSpec, CancellationToken, Task>? RenderFault { get; init; }
    /// <summary>Akka's own log level (benchmarks run at ERROR).</summary>
    public string AkkaLogLevel { get; init; } = "WARNING";
    /// <summary>Console log format and levels (<c>--log-format</c>, <c>--log-level</c>, <c>--akka-log-level</c>).</summary>
    public Fleet.Shared.Logging.LogSettings Log { get; init; } = new();
    /// <summary>Trace export (<c>--otlp-endpoint</c>); off by default.</summary>
    public Fleet.Shared.Tracing.TraceSettings Traces { get; init; } = new();

    public string EffectiveCaKeyPath => CaKeyPath ?? DefaultCaKeyPath(DataDir);

    public static string DefaultCaKeyPath(string dataDir) => Path.Combine(dataDir, "ca", Fleet.Shared.Security.Pki.FleetCa.KeyFile);

    public static readonly string[] KnownOptions =
    [
        "host", "port", "http", "roles", "data", "db", "seed", "ca-key", "node-cert", "node-key", "ca-cert", "insecure-dev", "render-slots", "store",
        "gateway-port", "gateway-address", "device-cert-days", "device-cert-seconds", "key-secret-file", "rotate-every",
        "retire-after", "write-off-after", "report-retention", "require-review", .. Fleet.Shared.Logging.LogSettings.Options,
        .. Fleet.Shared.Tracing.TraceSettings.Options,
    ];
    public static readonly string[] BooleanOptions = { "insecure-dev", "require-review" };

    public const string Usage = """
        usage: fleet-cloud agent [--port 4053] [--http 5080|HOST:PORT] [--host 127.0.0.1] [--roles control,render,gateway]
                                 [--data ./data/cloud] [--db sqlite:PATH|postgres:CONNSTR] [--seed ADDR]...
                                 [--ca-key PATH | --node-cert FILE --node-key FILE --ca-cert FILE] [--insecure-dev]
                                 [--render-slots N] [--store DIR] [--gateway-port 4443] [--gateway-address HOST:PORT]...
                                 [--device-cert-days 730 | --device-cert-seconds N]
                                 [--key-secret-file PATH] [--rotate-every 90d|off] [--retire-after 30d|off]
                                 [--write-off-after 30d] [--report-retention 90d] [--require-review]
                                 [--log-format text|json] [--log-level info] [--akka-log-level WARNING]
                                 [--otlp-endpoint URL]
          runs a cloud node: remoting on --port, the HTTP API on --http, persistence in --db
          (default: a SQLite file under --data). The admin token is FLEET_ADMIN_TOKEN or <data>/admin.token.
          Roles: control (registry, kill-switch, rollouts, API), render (render worker), gateway (device streams:
          gRPC over mutual TLS on --gateway-port, on the --http host; devices never join the cluster). The default is
          control,render,gateway (control,render with --insecure-dev, where devices join as members instead).
          --gateway-address: what enrolment bundles tell devices to connect to (a load balancer, say); default
          --host:--gateway-port.
          Remoting uses mutual TLS with a node certificate issued at start from the fleet CA (--ca-key, default
          <data>/ca/ca.key, made by 'fleet-cloud ca init'), or a certificate issued beforehand by 'fleet-cloud ca
          issue-node' (--node-cert, --node-key, --ca-cert): such a node never sees the CA key and cannot enrol devices.
          The certificate names the roles the node may claim; members claiming others are downed. --http
          https://HOST:PORT serves the API over HTTPS with the node certificate. --insecure-dev turns TLS off
          (development only).
          A node with role render runs a render worker with --render-slots jobs at once (default: half the cores);
          --store is the content store (default <data>/assets) that holds campaign assets and finished cloud renders:
          render-only nodes must share it with the API nodes (one volume).
          --device-cert-days: how long device certificates issued at enrolment and renewal are valid (default 730);
          devices renew theirs through the gateway before expiry. --device-cert-seconds N (N >= 5) is for tests and
          development only: certificates that expire within seconds or minutes, to watch renewal happen.
          Control nodes keep the signing keys, the URL-signing and job-token keys and the device revocation list in
          --db, private keys sealed (AES-GCM) with the deployment's key secret: --key-secret-file PATH, else
          FLEET_KEY_SECRET, else <data>/key-secret (made once, for a single node). Every control node sharing a
          database needs the same secret; a node whose secret does not open the database's keys exits.
          --rotate-every: the active signing key is replaced once it is this old (default 90d; e.g. 30d, 12h; off: by
          'keys rotate', and on schedule only 45 days before the key's 400-day validity ends); the new trust reaches
          devices as after 'keys rotate', and 'keys status' shows who holds it.
          --retire-after: a key a later one replaced leaves the trust set (listed as revoked; devices re-fetch what
          it signed) once its successor has been active this long (default 30d, the manifest lifetime; off: only by
          'keys revoke') and every device confirmed the successor or was written off: not seen for --write-off-after
          (default 30d). 'keys status' shows what each old key waits for.
          --report-retention: how long the hourly player-outcome rollups behind 'report campaign' (impressions, clicks,
          completes, quartiles and dwell per campaign version, arm and variant) stay in --db (default 90d); older
          hours are deleted hourly.
          --require-review: a campaign rollout holds at stage 1 until a person approved every copy variant of its
          version ('campaign review ID VERSION'); off by default.
        """ + "\n" + Fleet.Shared.Logging.LogSettings.Usage + "\n" + Fleet.Shared.Tracing.TraceSettings.Usage;

    public static CloudOptions From(CommandArgs a)
    {
        a.RejectUnknown(KnownOptions);
        var data = Path.GetFullPath(a.Get("data", "./data/cloud"));
        var host = a.Get("host", "127.0.0.1");
        var insecure = a.Flag("insecure-dev");
        var log = Fleet.Shared.Logging.LogSettings.From(a);
        var roles = ParseRoles(a.Get("roles", insecure ? "control,render" : "control,render,gateway"), "--roles");
        if (insecure && roles.Contains(FleetCluster.GatewayRole))
            throw new UsageException("--roles gateway needs the fleet CA (devices connect with mutual TLS); it cannot be combined with --insecure-dev");
        return new CloudOptions
        {
            Host = host,
            Port = PortOf(a.Get("port", "4053"), "--port"),
            HttpUrl = HttpUrlOf(a.Get("http", "5080"), host),
            Roles = roles,
            GatewayPort = PortOf(a.Get("gateway-port", $"{DefaultGatewayPort}"), "--gateway-port"),
            GatewayAddresses = a.GetAll("gateway-address").Select(SeedAddress.Parse).ToList(),
            DataDir = data,
            Db = a.Get("db") is { } db ? DbTarget.Parse(db) : DbTarget.Sqlite(Path.Combine(data, "fleet.db")),
            Seeds = a.GetAll("seed").Select(SeedAddress.Parse).ToList(),
            AdminToken = Environment.GetEnvironmentVariable(Api.AdminToken.EnvironmentVariable),
            KeySecretFile = a.Get("key-secret-file") is { } ks ? Path.GetFullPath(ks) : null,
            KeySecret = Environment.GetEnvironmentVariable(Keys.KeySecret.EnvironmentVariable) is { Length: > 0 } env ? env : null,
            InsecureDev = insecure,
            RequireReview = a.Flag("require-review"),
            CaKeyPath = a.Get("ca-key") is { } k ? Path.GetFullPath(k) : null,
            NodeCertificate = NodeCertificateFiles.From(a),
            RenderSlots = a.GetInt("render-slots", DefaultRenderSlots, 1, 64),
            StoreDir = a.Get("store") is { } st ? Path.GetFullPath(st) : null,
            DeviceCertificateLifetime = DeviceCertificateLifetimeOf(a),
            RotateEvery = RotateEveryOf(a.Get("rotate-every")),
            Retirement = new Keys.KeyRetirement.Policy(
                a.Get("retire-after") is "off" ? null : DurationOf(a.Get("retire-after"), Keys.KeyRetirement.Policy.DefaultRetireAfter, "--retire-after", "or 'off'"),
                DurationOf(a.Get("write-off-after"), Keys.KeyRetirement.Policy.DefaultWriteOffAfter, "--write-off-after", "")),
            ReportRetention = ReportRetentionOf(a.Get("report-retention")),
            Log = log,
            Traces = Fleet.Shared.Tracing.TraceSettings.From(a),
            AkkaLogLevel = log.AkkaLevel,
        };
    }

    private static TimeSpan ReportRetentionOf(string? value) =>
        value is null ? DefaultReportRetention
        : Durations.Parse(value) is { } d && d >= TimeSpan.FromHours(1) ? d
        : throw new UsageException($"--report-retention '{value}' is not a duration of at least 1h (e.g. 90d, 720h)");

    private static TimeSpan? RotateEveryOf(string? value) =>
        value is "off" ? null : DurationOf(value, DefaultRotateEvery, "--rotate-every", "or 'off'");

    private static TimeSpan DurationOf(string? value, TimeSpan fallback, string option, string orElse) =>
        value is null ? fallback
        : Durations.Parse(value) is { } d && d >= TimeSpan.FromSeconds(5) ? d
        : throw new UsageException($"{option} '{value}' is not a duration of at least 5s (e.g. 30d, 12h){(orElse.Length > 0 ? " " + orElse : "")}");

    /// <summary>--device-cert-days (production) or --device-cert-seconds (tests and development), not both.</summary>
    private static TimeSpan DeviceCertificateLifetimeOf(CommandArgs a)
    {
        if (a.Get("device-cert-seconds") is not null)
        {
            if (a.Get("device-cert-days") is not null) throw new UsageException("pass --device-cert-days or --device-cert-seconds, not both");
            return TimeSpan.FromSeconds(a.GetInt("device-cert-seconds", 0, 5, 86_400 * 3650));
        }
        return TimeSpan.FromDays(a.GetInt("device-cert-days", (int)DefaultDeviceCertificateLifetime.TotalDays, 1, 3650));
    }

    /// <summary>The API address devices are told to use: the --http URL, with a wildcard host replaced by --host.</summary>
    public string AdvertisedApiUrl
    {
        get
        {
            var u = new UriBuilder(HttpUrl);
            if (u.Host is "0.0.0.0" or "[::]" or "::" or "*" or "+") u.Host = Host;
            return u.Uri.ToString().TrimEnd('/');
        }
    }

    /// <summary>The gateways a device enrolled here is told to connect to.</summary>
    public IReadOnlyList<string> AdvertisedGateways => GatewayAddresses.Count > 0
        ? GatewayAddresses.Select(g => g.ToString()).ToList()
        : new[] { $"{Host}:{GatewayPort}" };

    public string SelfAddress => $"{(InsecureDev ? FleetCluster.PlainScheme : FleetCluster.TlsScheme)}://{FleetCluster.SystemName}@{Host}:{Port}";

    /// <summary><c>control,render,gateway</c> → the roles, each a cloud role, at least one.</summary>
    public static string[] ParseRoles(string raw, string flag)
    {
        var roles = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();
        var unknown = roles.FirstOrDefault(r => !FleetCluster.CloudRoles.Contains(r));
        if (unknown is not null) throw new UsageException($"{flag}: unknown role '{unknown}' (cloud roles are {string.Join(", ", FleetCluster.CloudRoles)})");
        if (roles.Length == 0) throw new UsageException($"{flag} must name at least one role");
        return roles;
    }

    internal static int PortOf(string raw, string flag) =>
        int.TryParse(raw, out var p) && p is >= 0 and <= 65535 ? p : throw new UsageException($"{flag} '{raw}' is not a port number");

    private static string HttpUrlOf(string raw, string host)
    {
        if (raw.StartsWith("http://", StringComparison.Ordinal) || raw.StartsWith("https://", StringComparison.Ordinal)) return raw.TrimEnd('/');
        var colon = raw.LastIndexOf(':');
        return colon < 0
            ? $"http://{host}:{PortOf(raw, "--http")}"
            : $"http://{raw[..colon]}:{PortOf(raw[(colon + 1)..], "--http")}";
    }
}
