using System.Net.Http.Json;
using Fleet.Shared.IO;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Bench.Soak;

/// <summary>
/// One enrolled device: a <c>fleet-edge agent</c> process connecting through every gateway, that can be SIGKILLed and
/// started again. It keeps when it was up (for the kill invariant) and how many renders it confirmed (for telemetry).
/// </summary>
public sealed class SoakDevice(string id, string dataDir, int http, IReadOnlyList<string> gateways)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<(DateTimeOffset Up, DateTimeOffset? Down)> _uptime = new();
    /// <summary>Held while a render request is in flight and while the device is crashed: a render the device stored
    /// but could not confirm because it died mid-reply would be counted by the cloud and not here.</summary>
    private readonly SemaphoreSlim _busy = new(1, 1);
    private FleetProcess? _process;
    private int _next;

    public string Id => id;
    public string DataDir => dataDir;
    public bool IsUp => _process is not null;

    /// <summary>Renders the device confirmed it stored (202 from its local API).</summary>
    public long Counted { get; set; }

    /// <summary>Renders sent whose answer never came (timed out mid-request): the device may or may not have stored them.</summary>
    public long Indeterminate { get; private set; }

    public IReadOnlyList<string> LastLines => _process?.Lines.TakeLast(20).ToList() ?? [];

    public void Start()
    {
        var args = new List<string> { "agent", "--data", dataDir, "--http", $"{http}", "--telemetry-seal", "1" };
        foreach (var g in gateways) args.AddRange(["--gateway", g]);
        _process = FleetProcess.Edge(args.ToArray());
        lock (_uptime) _uptime.Add((DateTimeOffset.UtcNow, null));
    }

    public async Task CrashAsync()
    {
        await _busy.WaitAsync();
        try
        {
            _process?.Crash();
            _process?.Dispose();
            _process = null;
            lock (_uptime) _uptime[^1] = (_uptime[^1].Up, DateTimeOffset.UtcNow);
        }
        finally { _busy.Release(); }
    }

    /// <summary>Up without a break from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public bool WasUpThroughout(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_uptime) return _uptime.Any(u => u.Up <= from && (u.Down ?? DateTimeOffset.MaxValue) >= to);
    }

    /// <summary>One render through the device's local API, as the kiosk player reports it; counted once the device confirms.</summary>
    public async Task RenderAsync()
    {
        await _busy.WaitAsync();
        try
        {
            if (_process is null) return;
            var e = SyntheticTelemetry.Render(_next);
            using var r = await Http.PostAsJsonAsync($"http://127.0.0.1:{http}/v1/renders", e, FleetJson.Options);
            if ((int)r.StatusCode == 202) { Counted++; _next++; }
        }
        catch (HttpRequestException e) when (e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused }) { } // starting up: not sent
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { Indeterminate++; _next++; }
        finally { _busy.Release(); }
    }

    public void Stop()
    {
        _process?.Terminate();
        try { _process?.WaitForExitAsync(TimeSpan.FromSeconds(15)).Wait(); } catch (AggregateException) { } // Dispose kills it
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Devices soak-1.. enrolled with certificates from the fleet CA, their local APIs on free ports.</summary>
    public static IReadOnlyList<SoakDevice> Enrol(SoakCluster cluster, string root, int count)
    {
        var cloud = cluster.All[0].Cloud!;
        return Enumerable.Range(1, count).Select(i =>
        {
            var dir = Path.Combine(root, $"soak-{i}");
            cloud.Enrol($"soak-{i}", dir);
            return new SoakDevice($"soak-{i}", dir, JoinBenchmark.FreePort(), cluster.Gateways.ToList());
        }).ToList();
    }
}
