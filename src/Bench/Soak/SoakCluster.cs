using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Security.Pki;

namespace Fleet.Bench.Soak;

/// <summary>
/// The soak's control plane: three <c>fleet-cloud agent</c> processes (every role: control, render, gateway) on one
/// PostgreSQL reached through a <see cref="DatabaseCutter"/>, with mutual TLS and a device gateway each. A node can be
/// SIGKILLed and started again on the same ports; API calls go to whichever node answers.
/// </summary>
public sealed class SoakCluster : IAsyncDisposable
{
    /// <summary>
    /// Each node has its own <c>--data</c>, as pods with their own volumes do; they share the database (keys, revocations,
    /// journal), the fleet CA and key secret (mounted secrets) and the content store (a shared volume).
    /// </summary>
    private readonly string _keySecret;
    private readonly string _store;

    public const int Nodes = 3;
    private static readonly TimeSpan CallWithin = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan OneCall = TimeSpan.FromSeconds(20);

    private readonly string _cloudDll;
    private readonly string _caKey;
    private readonly string _db;
    private readonly SoakNode[] _nodes;
    private int _next;

    private SoakCluster(string root, string cloudDll, string db, DatabaseCutter cutter)
    {
        _cloudDll = cloudDll;
        _db = db;
        Database = cutter;
        _caKey = Path.Combine(root, "ca", FleetCa.KeyFile);
        FleetCa.Create(_caKey).Dispose();
        _keySecret = Path.Combine(Directory.CreateDirectory(Path.Combine(root, "secrets")).FullName, "key-secret");
        Shared.IO.PrivateFile.WriteNew(_keySecret, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        _store = Directory.CreateDirectory(Path.Combine(root, "content-store")).FullName;
        _nodes = Enumerable.Range(1, Nodes).Select(i => new SoakNode(i,
            Path.Combine(root, $"cloud-{i}"), JoinBenchmark.FreePort(), JoinBenchmark.FreePort(), JoinBenchmark.FreePort())).ToArray();
    }

    public DatabaseCutter Database { get; }
    public IReadOnlyList<SoakNode> All => _nodes;
    public IEnumerable<string> Gateways => _nodes.Select(n => $"127.0.0.1:{n.GatewayPort}");

    /// <summary>Every data folder the nodes write.</summary>
    public IEnumerable<string> DataFolders => _nodes.Select(n => n.DataDir).Distinct();

    /// <param name="postgres">The real database (<c>Host=…;Port=…</c>); the nodes reach it only through the cutter.</param>
    public static async Task<SoakCluster> StartAsync(string root, string cloudDll, string postgres)
    {
        var real = new Npgsql.NpgsqlConnectionStringBuilder(postgres);
        var cutter = new DatabaseCutter(real.Host ?? "127.0.0.1", real.Port);
        var viaCutter = new Npgsql.NpgsqlConnectionStringBuilder(postgres) { Host = "127.0.0.1", Port = cutter.Port };
        var cluster = new SoakCluster(root, cloudDll, "postgres:" + viaCutter.ConnectionString, cutter);
        try
        {
            // The first node forms the cluster; the others join it. Restarts join through whichever nodes are up.
            await cluster.StartAsync(cluster._nodes[0], []);
            foreach (var n in cluster._nodes.Skip(1)) await cluster.StartAsync(n, [cluster._nodes[0].Seed]);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a node that is down, joining the cluster through every other node that is up.</summary>
    public Task RestartAsync(SoakNode node) => StartAsync(node, _nodes.Where(n => n != node && n.Cloud is not null).Select(n => n.Seed).ToList());

    private async Task StartAsync(SoakNode node, IReadOnlyList<string> seeds)
    {
        var shape = new BenchCloud.NodeShape(_caKey, null, seeds.FirstOrDefault(), _db, node.GatewayPort, seeds.Skip(1).ToList(), _keySecret, _store);
        node.Cloud = await BenchCloud.StartAsync(_cloudDll, node.DataDir, node.Port, node.HttpPort, mtls: true, shape);
    }

    /// <summary>
    /// One API call on any node that is up, the next node first each time; a node that is down, refuses (503) or
    /// does not answer within 20 s is passed over until one answers within 90 s. Other refusals are the answer.
    /// </summary>
    public async Task<T> CallAsync<T>(string what, Func<SoakNode, Task<T>> call)
    {
        var deadline = DateTime.UtcNow + CallWithin;
        string last = "no node up";
        while (true)
        {
            var up = _nodes.Where(n => n.Cloud is not null).ToList();
            if (up.Count > 0)
            {
                var node = up[Interlocked.Increment(ref _next) % up.Count];
                try { return await call(node).WaitAsync(OneCall); }
                catch (FleetException e) when (!e.Message.Contains(": 503 ", StringComparison.Ordinal) && !e.Message.Contains("exited with", StringComparison.Ordinal)) { throw; }
                // A node SIGKILLed under the call: its client is disposed (ObjectDisposed, InvalidOperation: no process) or the connection drops.
                catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException or FleetException or ObjectDisposedException
                                              or InvalidOperationException or JsonException)
                {
                    last = $"{node.Name}: {e.Message}";
                }
            }
            if (DateTime.UtcNow > deadline) throw new FleetException($"{what}: no control node answered within {CallWithin.TotalSeconds:0} s (last: {last})");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var n in _nodes) n.Stop();
        await Database.DisposeAsync();
    }
}

/// <summary>One control node: fixed ports and data folder; <see cref="Cloud"/> is null while it is down.</summary>
public sealed class SoakNode(int index, string dataDir, int port, int httpPort, int gatewayPort)
{
    public string Name => $"control-{index}";
    public string DataDir => dataDir;
    public int Port => port;
    public int HttpPort => httpPort;
    public int GatewayPort => gatewayPort;
    public string Seed => $"127.0.0.1:{port}";
    public string Url => $"http://127.0.0.1:{httpPort}";
    public BenchCloud? Cloud { get; set; }

    /// <summary>The node's API client; a node that went down in the meantime is one clear error, passed over by the caller.</summary>
    public BenchCloud Api => Cloud ?? throw new FleetException($"{Name} is down");

    /// <summary>SIGKILL: the node is down until started again.</summary>
    public void Crash()
    {
        var cloud = Cloud;
        Cloud = null;
        cloud?.Crash();
        cloud?.Dispose();
    }

    /// <summary>SIGTERM at the end of the soak.</summary>
    public void Stop()
    {
        var cloud = Cloud;
        Cloud = null;
        cloud?.Dispose();
    }
}
