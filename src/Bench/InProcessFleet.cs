using System.Diagnostics;
using Fleet.Edge.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;

namespace Fleet.Bench;

/// <summary>N device agents inside this process, for benchmarks that need many devices on a 2-core machine.</summary>
public sealed class InProcessFleet : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task<int>> _agents;

    /// <summary>What a probe finds on this kind of machine; N devices in one process need not probe ffmpeg N times.</summary>
    private static readonly IReadOnlyList<string> BenchEncoders = new[] { "libx264" };

    private InProcessFleet(List<Task<int>> agents) => _agents = agents;

    /// <param name="insecureDev">Cluster members over plain TCP through <paramref name="seed"/>; otherwise each device must
    /// already be enrolled (<see cref="Enrol"/>) and connects to the gateway its bundle names, as an enrolled device does.</param>
    public static InProcessFleet Start(string seed, int count, string root, string prefix, bool insecureDev = true)
    {
        AgentLog.Enabled = false;
        var fleet = new InProcessFleet(new List<Task<int>>());
        for (var i = 1; i <= count; i++)
        {
            var id = DeviceIdOf(prefix, i);
            var options = insecureDev
                ? new EdgeOptions { Seeds = new[] { SeedAddress.Parse(seed) }, DeviceId = id, DataDir = Path.Combine(root, id), InsecureDev = true }
                : new EdgeOptions { Seeds = Array.Empty<SeedAddress>(), DataDir = Path.Combine(root, id) };
            fleet._agents.Add(Task.Run(() => EdgeAgent.RunAsync(options, BenchEncoders, fleet._stop.Token)));
        }
        return fleet;
    }

    private static string DeviceIdOf(string prefix, int n) => $"{prefix}{n}";

    /// <summary>The ids <see cref="Start"/> gives its devices.</summary>
    public static IEnumerable<string> Ids(string prefix, int count) => Enumerable.Range(1, count).Select(n => DeviceIdOf(prefix, n));

    /// <summary>With mTLS: certificates for the devices <see cref="Start"/> will run, in the data folders it will use.</summary>
    public static void Enrol(BenchCloud cloud, int count, string root, string prefix)
    {
        for (var i = 1; i <= count; i++) cloud.Enrol(DeviceIdOf(prefix, i), Path.Combine(root, DeviceIdOf(prefix, i)));
    }

    /// <summary>Waits until every device with the prefix is up in the registry; returns when each was first seen (ms).</summary>
    public static async Task<Dictionary<string, double>> WaitRegisteredAsync(BenchCloud cloud, string prefix, int count, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var firstSeen = new Dictionary<string, double>();
        while (firstSeen.Count < count && sw.Elapsed < timeout)
        {
            foreach (var d in await cloud.DevicesAsync())
                if (d.DeviceId.StartsWith(prefix, StringComparison.Ordinal) && d.Connectivity == Connectivity.Up)
                    firstSeen.TryAdd(d.DeviceId, sw.Elapsed.TotalMilliseconds);
            await Task.Delay(50);
        }
        if (firstSeen.Count < count)
        {
            var views = (await cloud.DevicesAsync()).ToDictionary(d => d.DeviceId);
            var missing = Enumerable.Range(1, count).Select(i => DeviceIdOf(prefix, i)).Where(id => !firstSeen.ContainsKey(id))
                .Select(id => views.TryGetValue(id, out var v) ? $"{id} ({FleetJson.Name(v.Connectivity)})" : $"{id} (not registered)");
            throw new Shared.Cli.FleetException($"only {firstSeen.Count} of {count} devices registered within {timeout.TotalSeconds:0}s; missing: {string.Join(", ", missing)}");
        }
        return firstSeen;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_agents.Select(a => a.ContinueWith(_ => { })));
        AgentLog.Enabled = true;
        _stop.Dispose();
    }
}
