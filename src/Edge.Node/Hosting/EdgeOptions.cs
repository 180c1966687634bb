using System.CommandLine;
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

    /// <summary>The option names <c>fleet-edge agent</c> accepts, without dashes.</summary>
    public static IReadOnlyList<string> KnownOptions => EdgeFlags.All.Select(o => o.Name.TrimStart('-')).ToList();

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

    private static Telemetry.TelemetrySettings TelemetryFrom(ParseResult r)
    {
        var seal = r.GetValue(EdgeFlags.TelemetrySeal);
        var t = new Telemetry.TelemetrySettings();
        return t with
        {
            K = r.GetValue(EdgeFlags.TelemetryK),
            SealPartialMinutes = seal > 0,
            SealInterval = seal > 0 ? TimeSpan.FromSeconds(seal) : t.SealInterval,
            UploadBytesPerSecond = r.GetValue(EdgeFlags.UploadBps),
            UploadBurstBytes = r.GetValue(EdgeFlags.UploadBurst),
        };
    }

    private static Player.RenderLedgerOptions LedgerFrom(ParseResult r)
    {
        var keep = r.GetValue(EdgeFlags.EventsKeep);
        if (r.GetValue(EdgeFlags.EventsExpiry) is not { } text) return new(keep);
        var expiry = Durations.Parse(text);
        if (expiry is not { TotalSeconds: >= 1 }) throw new UsageException($"--events-expiry '{text}' is not a duration of at least 1s (e.g. 1h, 24h)");
        return new(keep, expiry);
    }

    private static Store.ScrubSettings ScrubFrom(ParseResult r)
    {
        var d = Store.ScrubSettings.Default;
        if (r.GetValue(EdgeFlags.ScrubEvery) is not { } text) return d;
        var every = Durations.Parse(text);
        if (every is not { TotalSeconds: >= 1 }) throw new UsageException($"--scrub-every '{text}' is not a duration of at least 1s (e.g. 12h, 1d)");
        return d with { Every = every.Value };
    }

    /// <summary>The options of a parsed <c>fleet-edge agent</c> command line (<see cref="EdgeFlags"/>), validated.</summary>
    public static EdgeOptions From(ParseResult r) => new()
    {
        Seeds = r.GetValue(EdgeFlags.Seed)!.Select(SeedAddress.Parse).ToList(),
        Gateways = r.GetValue(EdgeFlags.Gateway)!.Select(SeedAddress.Parse).ToList(),
        Join = r.GetValue(EdgeFlags.Join) switch
        {
            null => null,
            "gateway" => JoinMode.Gateway,
            "member" => JoinMode.Member,
            var other => throw new UsageException($"--join '{other}': use gateway or member"),
        },
        DeviceId = r.GetValue(EdgeFlags.DeviceId) is { } id ? IdArguments.Parse<Shared.Devices.DeviceId>(id).Value : null,
        DataDir = Path.GetFullPath(r.GetValue(EdgeFlags.Data)!),
        ExecutionProviders = EpFrom(r.GetValue(EdgeFlags.Ep)),
        ModelUnloadAfter = r.GetValue(EdgeFlags.ModelUnloadAfter) is { } unload
            ? Durations.Parse(unload) is { TotalSeconds: >= 1 } after ? after : throw new UsageException($"--model-unload-after '{unload}' is not a duration of at least 1s (e.g. 30s, 2m)")
            : Personalisation.PersonaliseSettings.DefaultUnloadUnusedModelAfter,
        Host = r.GetValue(EdgeFlags.Host)!,
        Port = r.GetValue(EdgeFlags.Port),
        HttpPort = r.GetValue(EdgeFlags.Http),
        Tags = TagText.Parse(r.GetValue(EdgeFlags.Tags)),
        CampaignDir = r.GetValue(EdgeFlags.Campaign) is { } dir ? Path.GetFullPath(dir) : null,
        InsecureDev = r.GetValue(EdgeFlags.InsecureDev),
        Telemetry = TelemetryFrom(r),
        MaxRenderHeight = r.GetValue(EdgeFlags.MaxRenderHeight),
        Scrub = ScrubFrom(r),
        RenderLedger = LedgerFrom(r),
        Pressure = new Rendering.ResourcePressure(r.GetValue(EdgeFlags.DelegateAboveTemp), r.GetValue(EdgeFlags.DelegateAboveCpu)),
        RenewBefore = r.GetValue(EdgeFlags.RenewBefore) is { } rb ? ParseFraction(rb, "--renew-before") : CertificateRenewal.DefaultRenewBefore,
        CorsOrigins = CorsOriginsFrom(r.GetValue(EdgeFlags.CorsOrigin)!),
        MaxConcurrentRenders = r.GetValue(EdgeFlags.MaxConcurrentRenders),
        Log = Shared.Logging.LogSettings.From(r),
        Traces = Shared.Tracing.TraceSettings.From(r),
    };

    /// <summary>--cors-origin (repeatable), else FLEET_CORS_ORIGINS (comma-separated): each a scheme://host[:port] origin.</summary>
    private static IReadOnlyList<string> CorsOriginsFrom(IReadOnlyList<string> given)
    {
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
