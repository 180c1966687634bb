using System.CommandLine;

namespace Fleet.Cloud.Hosting;

/// <summary>
/// The options of <c>fleet-cloud agent</c>, declared once: the parser, <c>--help</c> and shell completion read them here;
/// <see cref="CloudOptions.From(ParseResult)"/> validates what they hold.
/// </summary>
public static class CloudFlags
{
    public const string Description = "run a cloud node (cluster member, registry, HTTP API)";

    public const string Details = """
        Runs a cloud node: remoting on --port, the HTTP API on --http, persistence in --db (default: a SQLite file under
        --data). The admin token is FLEET_ADMIN_TOKEN or <data>/admin.token.
        Roles: control (registry, kill-switch, rollouts, API), render (render worker), gateway (device streams: gRPC over
        mutual TLS on --gateway-port, on the --http host; devices never join the cluster). The default is
        control,render,gateway (control,render with --insecure-dev, where devices join as members instead).
        Remoting uses mutual TLS with a node certificate issued at start from the fleet CA (--ca-key, default
        <data>/ca/ca.key, made by 'fleet-cloud ca init'), or a certificate issued beforehand by 'fleet-cloud ca
        issue-node' (--node-cert, --node-key, --ca-cert): such a node never sees the CA key and cannot enrol devices. The
        certificate names the roles the node may claim; members claiming others are downed. --http https://HOST:PORT
        serves the API over HTTPS with the node certificate. --insecure-dev turns TLS off (development only).
        Control nodes keep the signing keys, the URL-signing and job-token keys and the device revocation list in --db,
        private keys sealed (AES-GCM) with the deployment's key secret: --key-secret-file PATH, else FLEET_KEY_SECRET,
        else <data>/key-secret (made once, for a single node). Every control node sharing a database needs the same
        secret; a node whose secret does not open the database's keys exits.
        """;

    public static readonly Option<string> Host = CliOption.Text("--host", "127.0.0.1", "the address remoting binds and other nodes reach", "HOST");
    public static readonly Option<string> Port = CliOption.Text("--port", "4053", "the remoting port", "PORT");
    public static readonly Option<string> Http = CliOption.Text("--http", "5080",
        "the HTTP API: a port (on --host), HOST:PORT, or an http:// or https:// URL (https serves with the node certificate)", "PORT|HOST:PORT|URL");
    public static readonly Option<string?> Roles = CliOption.Text("--roles",
        "what this node does: control (registry, kill-switch, rollouts, API), render (render worker), gateway (device streams); default control,render,gateway (control,render with --insecure-dev)",
        "control,render,gateway");
    public static readonly Option<string> Data = CliOption.Text("--data", "./data/cloud", "the node's data folder", "DIR");
    public static readonly Option<string?> Db = CliOption.Text("--db", "persistence (default: a SQLite file under --data)", "sqlite:PATH|postgres:CONNSTR");
    public static readonly Option<string[]> Seed = CliOption.Many("--seed", "a seed node to join (repeatable)", "ADDR");
    public static readonly Option<string?> CaKey = CliOption.Text("--ca-key", "the fleet CA key this node issues its certificate from (default <data>/ca/ca.key)", "PATH");
    public static readonly Option<string?> NodeCert = CliOption.Text("--node-cert", "a node certificate from 'ca issue-node' (with --node-key and --ca-cert; excludes --ca-key)", "FILE");
    public static readonly Option<string?> NodeKey = CliOption.Text("--node-key", "the key of --node-cert", "FILE");
    public static readonly Option<string?> CaCert = CliOption.Text("--ca-cert", "the fleet CA certificate, with --node-cert", "FILE");
    public static readonly Option<bool> InsecureDev = CliOption.Flag("--insecure-dev", "plain TCP remoting, no certificates (development only; logged as a warning)");
    public static readonly Option<int> RenderSlots = CliOption.Int("--render-slots", CloudOptions.DefaultRenderSlots,
        "render jobs a node with role render runs at once (default: half the cores)", 1, 64);
    public static readonly Option<string?> Store = CliOption.Text("--store",
        "the content store holding campaign assets and finished cloud renders (default <data>/assets); render-only nodes must share it with the API nodes (one volume)", "DIR");
    public static readonly Option<string> GatewayPort = CliOption.Text("--gateway-port", $"{CloudOptions.DefaultGatewayPort}", "where a node with role gateway accepts device streams", "PORT");
    public static readonly Option<string[]> GatewayAddress = CliOption.Many("--gateway-address",
        "what enrolment bundles tell devices to connect to (repeatable; a load balancer, say); default --host:--gateway-port", "HOST:PORT");
    public static readonly Option<int?> DeviceCertDays = CliOption.OptionalInt("--device-cert-days",
        "how long device certificates issued at enrolment and renewal are valid (default 730); devices renew theirs through the gateway before expiry", 1, 3650);
    public static readonly Option<int?> DeviceCertSeconds = CliOption.OptionalInt("--device-cert-seconds",
        "tests and development only: device certificates that expire within seconds or minutes, to watch renewal happen", 5, 86_400 * 3650);
    public static readonly Option<string?> KeySecretFile = CliOption.Text("--key-secret-file",
        "the deployment's key secret, which seals the control plane's private keys in --db (else FLEET_KEY_SECRET, else <data>/key-secret)", "PATH");
    public static readonly Option<string?> RotateEvery = CliOption.Text("--rotate-every",
        "the active signing key is replaced once it is this old (default 90d; off: by 'keys rotate', and on schedule only 45 days before the key's 400-day validity ends)",
        "DURATION|off");
    public static readonly Option<string?> RetireAfter = CliOption.Text("--retire-after",
        "a key a later one replaced leaves the trust set once its successor has been active this long (default 30d, the manifest lifetime; off: only by 'keys revoke') and every device confirmed the successor or was written off",
        "DURATION|off");
    public static readonly Option<string?> WriteOffAfter = CliOption.Text("--write-off-after", "a device not seen this long no longer holds a key's retirement back (default 30d)", "DURATION");
    public static readonly Option<string?> ReportRetention = CliOption.Text("--report-retention",
        "how long the hourly player-outcome rollups behind 'report campaign' stay in --db (default 90d); older hours are deleted hourly", "DURATION");
    public static readonly Option<bool> RequireReview = CliOption.Flag("--require-review",
        "a campaign rollout holds at stage 1 until a person approved every copy variant of its version ('campaign review ID VERSION')");

    public static IReadOnlyList<Option> All { get; } =
    [
        Host, Port, Http, Roles, Data, Db, Seed, CaKey, NodeCert, NodeKey, CaCert, InsecureDev, RenderSlots, Store, GatewayPort,
        GatewayAddress, DeviceCertDays, DeviceCertSeconds, KeySecretFile, RotateEvery, RetireAfter, WriteOffAfter, ReportRetention,
        RequireReview, .. Shared.Logging.LogSettings.Declared, .. Shared.Tracing.TraceSettings.Declared,
    ];

    /// <summary>The <c>agent</c> command's options, for a command that runs a node.</summary>
    public static Command AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
        return command;
    }
}
