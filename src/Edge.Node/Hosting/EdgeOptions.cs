using Fleet.Edge.Identity;
using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.Hosting;

/// <summary>Everything <c>fleet-edge agent</c> is told on its command line, validated.</summary>
public sealed record EdgeOptions
{
    public required IReadOnlyList<SeedAddress> Seeds { get; init; }
    public string? DeviceId { get; init; }
    public string DataDir { get; init; } = "./data/edge";
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; }
    /// <summary>Local API port for the kiosk player; 0 = off.</summary>
    public int HttpPort { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>A campaign folder installed on the device, rendered by <c>POST /v1/render</c>.</summary>
    public string? CampaignDir { get; init; }

    public static readonly string[] KnownOptions = { "seed", "device-id", "data", "host", "port", "http", "tags", "campaign" };

    public const string Usage = """
        usage: fleet-edge agent --seed akka.tcp://fleet@HOST:PORT [--seed ...] [--device-id ID] [--data ./data/edge]
                                [--http PORT] [--tags k=v,...] [--campaign DIR] [--host 127.0.0.1] [--port 0]
          runs a device: joins the cluster by itself (retrying with backoff), registers, serves the local API on --http
          (POST /v1/render renders --campaign for a context; GET /v1/renders/ID.mp4; GET /healthz; GET /v1/status).
          HOST may be a DNS name; it is resolved anew on every join attempt.
        """;

    public static EdgeOptions From(CommandArgs a)
    {
        a.RejectUnknown(KnownOptions);
        var seeds = a.GetAll("seed").Select(SeedAddress.Parse).ToList();
        if (seeds.Count == 0) throw new UsageException("at least one --seed is required (e.g. --seed akka.tcp://fleet@127.0.0.1:4053)");
        return new EdgeOptions
        {
            Seeds = seeds,
            DeviceId = a.Get("device-id") is { } id ? Shared.Devices.DeviceId.Validate(id) : null,
            DataDir = Path.GetFullPath(a.Get("data", "./data/edge")),
            Host = a.Get("host", "127.0.0.1"),
            Port = a.GetInt("port", 0),
            HttpPort = a.GetInt("http", 0),
            Tags = DeviceFactsProbe.ParseTags(a.Get("tags")),
            CampaignDir = a.Get("campaign") is { } dir ? Path.GetFullPath(dir) : null,
        };
    }
}
