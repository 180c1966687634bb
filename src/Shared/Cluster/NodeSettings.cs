using Fleet.Shared.Persistence;

namespace Fleet.Shared.Cluster;

/// <summary>How one node joins the fleet cluster; built from the command line of <c>fleet-cloud</c> or <c>fleet-edge</c>.</summary>
public sealed record NodeSettings
{
    public string Hostname { get; init; } = "127.0.0.1";
    /// <summary>Remoting port; 0 picks a free one (edges).</summary>
    public int Port { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    public IReadOnlyList<string> SeedNodes { get; init; } = Array.Empty<string>();
    /// <summary>Journal and snapshot store; null for nodes that persist nothing through Akka.</summary>
    public DbTarget? Db { get; init; }
    /// <summary>When set, the node shuts its actor system down if no seed answers within this time (the edge then retries with backoff).</summary>
    public TimeSpan? GiveUpJoiningAfter { get; init; }
    /// <summary>How long membership must be stable before the split-brain resolver decides.</summary>
    public TimeSpan SplitBrainStableAfter { get; init; } = TimeSpan.FromSeconds(7);
    /// <summary>
    /// How long this node waits without heartbeats before it calls another node unreachable (Akka's
    /// <c>acceptable-heartbeat-pause</c>); null keeps Akka's default.
    /// </summary>
    public TimeSpan? HeartbeatPause { get; init; }
    /// <summary>Akka's own log level (DEBUG, INFO, WARNING, ERROR); FLEET_DEBUG=1 forces DEBUG.</summary>
    public string LogLevel { get; init; } = "INFO";
    /// <summary>Mutual TLS on remoting; null only for an explicitly insecure development node (<c>--insecure-dev</c>).</summary>
    public RemotingTls? Tls { get; init; }

    public string EffectiveLogLevel => Environment.GetEnvironmentVariable("FLEET_DEBUG") == "1" ? "DEBUG" : LogLevel;
}
