using System.CommandLine;
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
    internal static int DefaultRenderSlots => Math.Max(1, Environment.ProcessorCount / 2);
    /// <summary>The content store (campaign assets and finished cloud renders); render-only nodes share it with the API nodes.</summary>
    public string? StoreDir { get; init; }
    /// <summary>Tests only: an injected render-worker fault (a hang or a throw before each render).</summary>
    public Func<Fleet.Shared.RenderJobs.RenderJobSpec, CancellationToken, Task>? RenderFault { get; init; }
    /// <summary>Tests only: how long the kill authority's acks wait to be written (a long wait loses them at a handover).</summary>
    public TimeSpan? KillAckWriteDelay { get; init; }
    /// <summary>Akka's own log level (benchmarks run at ERROR).</summary>
    public string AkkaLogLevel { get; init; } = "WARNING";
    /// <summary>Console log format and levels (<c>--log-format</c>, <c>--log-level</c>, <c>--akka-log-level</c>).</summary>
    public Fleet.Shared.Logging.LogSettings Log { get; init; } = new();
    /// <summary>Trace export (<c>--otlp-endpoint</c>); off by default.</summary>
    public Fleet.Shared.Tracing.TraceSettings Traces { get; init; } = new();

    public string EffectiveCaKeyPath => CaKeyPath ?? DefaultCaKeyPath(DataDir);

    public static string DefaultCaKeyPath(string dataDir) => Path.Combine(dataDir, "ca", Fleet.Shared.Security.Pki.FleetCa.KeyFile);

    /// <summary>The names of the agent's options, without dashes (deploy checks hold the deploy files to them).</summary>
    public static IReadOnlyList<string> KnownOptions => CloudFlags.All.Select(o => o.Name.TrimStart('-')).ToList();

    /// <summary>The options of a parsed <c>fleet-cloud agent</c> command line (<see cref="CloudFlags"/>), validated.</summary>
    public static CloudOptions From(ParseResult r)
    {
        var data = Path.GetFullPath(r.GetValue(CloudFlags.Data)!);
        var host = r.GetValue(CloudFlags.Host)!;
        var insecure = r.GetValue(CloudFlags.InsecureDev);
        var log = Fleet.Shared.Logging.LogSettings.From(r);
        var roles = ParseRoles(r.GetValue(CloudFlags.Roles) ?? (insecure ? "control,render" : "control,render,gateway"), "--roles");
        if (insecure && roles.Contains(FleetCluster.GatewayRole))
            throw new UsageException("--roles gateway needs the fleet CA (devices connect with mutual TLS); it cannot be combined with --insecure-dev");
        var caKey = r.GetValue(CloudFlags.CaKey);
        return new CloudOptions
        {
            Host = host,
            Port = PortOf(r.GetValue(CloudFlags.Port)!, "--port"),
            HttpUrl = HttpUrlOf(r.GetValue(CloudFlags.Http)!, host),
            Roles = roles,
            GatewayPort = PortOf(r.GetValue(CloudFlags.GatewayPort)!, "--gateway-port"),
            GatewayAddresses = r.GetValue(CloudFlags.GatewayAddress)!.Select(SeedAddress.Parse).ToList(),
            DataDir = data,
            Db = r.GetValue(CloudFlags.Db) is { } db ? DbTarget.Parse(db) : DbTarget.Sqlite(Path.Combine(data, "fleet.db")),
            Seeds = r.GetValue(CloudFlags.Seed)!.Select(SeedAddress.Parse).ToList(),
            AdminToken = Environment.GetEnvironmentVariable(Api.AdminToken.EnvironmentVariable),
            KeySecretFile = r.GetValue(CloudFlags.KeySecretFile) is { } ks ? Path.GetFullPath(ks) : null,
            KeySecret = Environment.GetEnvironmentVariable(Keys.KeySecret.EnvironmentVariable) is { Length: > 0 } env ? env : null,
            InsecureDev = insecure,
            RequireReview = r.GetValue(CloudFlags.RequireReview),
            CaKeyPath = caKey is not null ? Path.GetFullPath(caKey) : null,
            NodeCertificate = NodeCertificateFiles.From(r.GetValue(CloudFlags.NodeCert), r.GetValue(CloudFlags.NodeKey), r.GetValue(CloudFlags.CaCert), caKey),
            RenderSlots = r.GetValue(CloudFlags.RenderSlots),
            StoreDir = r.GetValue(CloudFlags.Store) is { } st ? Path.GetFullPath(st) : null,
            DeviceCertificateLifetime = DeviceCertificateLifetimeOf(r.GetValue(CloudFlags.DeviceCertDays), r.GetValue(CloudFlags.DeviceCertSeconds)),
            RotateEvery = RotateEveryOf(r.GetValue(CloudFlags.RotateEvery)),
            Retirement = new Keys.KeyRetirement.Policy(
                r.GetValue(CloudFlags.RetireAfter) is "off" ? null
                    : DurationOf(r.GetValue(CloudFlags.RetireAfter), Keys.KeyRetirement.Policy.DefaultRetireAfter, "--retire-after", "or 'off'"),
                DurationOf(r.GetValue(CloudFlags.WriteOffAfter), Keys.KeyRetirement.Policy.DefaultWriteOffAfter, "--write-off-after", "")),
            ReportRetention = ReportRetentionOf(r.GetValue(CloudFlags.ReportRetention)),
            Log = log,
            Traces = Fleet.Shared.Tracing.TraceSettings.From(r),
            AkkaLogLevel = log.AkkaLevel,
        };
    }

    /// <summary>
    /// <c>fleet-cloud agent</c>'s arguments, parsed and validated as the program does (tests and deploy checks read the
    /// deploy files' command lines through it); a parse error is a <see cref="UsageException"/>.
    /// </summary>
    public static CloudOptions Parse(params string[] argv)
    {
        var parsed = CloudFlags.AddTo(new Command("agent")).Parse(argv);
        if (parsed.Errors.Count > 0) throw new UsageException(parsed.Errors[0].Message.TrimEnd('.'));
        return From(parsed);
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
    private static TimeSpan DeviceCertificateLifetimeOf(int? days, int? seconds) => (days, seconds) switch
    {
        ({ }, { }) => throw new UsageException("pass --device-cert-days or --device-cert-seconds, not both"),
        (null, { } s) => TimeSpan.FromSeconds(s),
        ({ } d, null) => TimeSpan.FromDays(d),
        _ => DefaultDeviceCertificateLifetime,
    };

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
