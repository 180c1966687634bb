using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Fleet.Edge.Identity;
using Fleet.Shared.Cli;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;

namespace Fleet.Bench;

/// <summary>A throwaway <c>fleet-cloud agent</c> process for a benchmark, and a small client for its registry.</summary>
public sealed class BenchCloud : IDisposable
{
    private const int TailLines = 20;
    private static readonly string[] DowningWords = ["SBR took decision", "has been downed"];
    private readonly Process _process;
    private readonly HttpClient _http;
    /// <summary>The cloud's last output lines, and its split-brain resolver's lines: when it dies mid-benchmark they say why.</summary>
    private readonly ConcurrentQueue<string> _tail;
    private readonly ConcurrentQueue<string> _downing;

    private readonly FleetCa? _ca;

    private BenchCloud(Process process, HttpClient http, string seed, SeedAddress? gateway, FleetCa? ca, ConcurrentQueue<string> tail, ConcurrentQueue<string> downing)
    {
        _tail = tail;
        _downing = downing;
        _ca = ca;
        _process = process;
        _http = http;
        Seed = seed;
        Gateway = gateway;
    }

    public string Seed { get; }

    /// <summary>Where devices connect (mutual TLS, a node with role gateway); null on an --insecure-dev cloud.</summary>
    public SeedAddress? Gateway { get; }

    /// <summary>The node's HTTP API, e.g. <c>http://127.0.0.1:PORT/</c> (the console is at <c>console</c> under it).</summary>
    public Uri HttpUrl => _http.BaseAddress!;

    /// <summary>The node's admin token, as a browser signing in to the console needs it.</summary>
    public string AdminToken => _http.DefaultRequestHeaders.Authorization!.Parameter!;

    /// <summary>The cloud's process id (its memory and CPU time are read from /proc).</summary>
    public int ProcessId => _process.Id;

    public bool Mtls => _ca is not null;

    /// <summary>Null while the cloud runs; once it exited, its exit code and last words.</summary>
    public string? ExitReason => _process.HasExited ? Exited().Message : null;

    /// <summary>How a node of a benchmark cloud differs from the default single node with every role.</summary>
    /// <param name="CaKeyPath">Run with this fleet CA (<c>--ca-key</c>) instead of a fresh one in the data folder.</param>
    /// <param name="Roles">The node's roles (<c>--roles</c>); default control,render,gateway.</param>
    /// <param name="JoinSeed">Join the cluster of this node (<c>--seed</c>) instead of forming one.</param>
    /// <param name="Db">The cluster's database (<c>--db</c>, e.g. <c>postgres:Host=…</c>); default SQLite in the data folder.</param>
    /// <param name="GatewayPort">The device gateway's port, fixed so that a restarted node listens where devices look for it.</param>
    /// <param name="MoreSeeds">Further seeds after <paramref name="JoinSeed"/>: a restarted node rejoins through any survivor.</param>
    /// <param name="KeySecretFile">The fleet's key secret (<c>--key-secret-file</c>), shared by control nodes with their own data.</param>
    /// <param name="StoreDir">The shared content store (<c>--store</c>).</param>
    public sealed record NodeShape(string? CaKeyPath = null, string? Roles = null, string? JoinSeed = null, string? Db = null, int? GatewayPort = null,
        IReadOnlyList<string>? MoreSeeds = null, string? KeySecretFile = null, string? StoreDir = null);

    /// <param name="mtls">Create a fleet CA first (or use <see cref="NodeShape.CaKeyPath"/>) and run the cloud with mutual TLS
    /// and a device gateway on a free port; otherwise --insecure-dev.</param>
    public static async Task<BenchCloud> StartAsync(string cloudDll, string dataDir, int port, int httpPort, bool mtls = false, NodeShape? shape = null)
    {
        shape ??= new NodeShape();
        var ca = !mtls ? null : shape.CaKeyPath is { } key ? FleetCa.Load(key) : FleetCa.Create(Path.Combine(dataDir, "ca", FleetCa.KeyFile));
        if (!File.Exists(cloudDll)) throw new FleetException($"fleet-cloud not found at {cloudDll} (run through ./fleet bench, or pass --cloud-dll)");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { cloudDll, "agent", "--port", $"{port}", "--http", $"{httpPort}", "--data", dataDir }) psi.ArgumentList.Add(a);
        if (!mtls) psi.ArgumentList.Add("--insecure-dev");
        var gateway = mtls && (shape.Roles is null || shape.Roles.Split(',').Contains(FleetCluster.GatewayRole))
            ? new SeedAddress("127.0.0.1", shape.GatewayPort ?? JoinBenchmark.FreePort()) : null;
        var extra = new List<string>();
        if (gateway is not null) extra.AddRange(["--gateway-port", $"{gateway.Port}"]);
        if (mtls && shape.CaKeyPath is not null) extra.AddRange(["--ca-key", shape.CaKeyPath]);
        if (shape.Roles is not null) extra.AddRange(["--roles", shape.Roles]);
        if (shape.JoinSeed is not null) extra.AddRange(["--seed", shape.JoinSeed]);
        foreach (var more in shape.MoreSeeds ?? []) extra.AddRange(["--seed", more]);
        if (shape.Db is not null) extra.AddRange(["--db", shape.Db]);
        if (shape.KeySecretFile is not null) extra.AddRange(["--key-secret-file", shape.KeySecretFile]);
        if (shape.StoreDir is not null) extra.AddRange(["--store", shape.StoreDir]);
        foreach (var a in extra) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var tail = new ConcurrentQueue<string>();
        var downing = new ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (line is null) return;
            if (DowningWords.Any(w => line.Contains(w, StringComparison.Ordinal))) downing.Enqueue(line);
            tail.Enqueue(line);
            while (tail.Count > TailLines) tail.TryDequeue(out _);
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
        var tokenFile = Path.Combine(dataDir, "admin.token");
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw StartFailed(process, tail);
            if (File.Exists(tokenFile))
            {
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(tokenFile).Trim());
                try { if ((await http.GetAsync("readyz")).IsSuccessStatusCode) break; } catch (HttpRequestException) { }
            }
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw NotReady(process, "fleet-cloud did not become ready within 60s");
            await Task.Delay(100);
        }
        // The gateway listens once the node's actors are up, a moment after it reports ready.
        while (gateway is not null && !await AcceptsAsync(gateway))
        {
            if (process.HasExited) throw StartFailed(process, tail);
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw NotReady(process, $"the device gateway did not listen on {gateway} within 60s");
            await Task.Delay(100);
        }
        return new BenchCloud(process, http, $"127.0.0.1:{port}", gateway, ca, tail, downing);
    }

    /// <summary>With mTLS: gives a device a certificate as an operator's bundle would (outside the timed part).</summary>
    public void Enrol(string deviceId, string edgeDataDir)
    {
        if (_ca is null) return;
        using var cert = _ca.IssueDeviceWithKey(deviceId, TimeSpan.FromDays(1));
        var bundle = new EnrolmentBundle(deviceId, cert.ExportCertificatePem(), null, _ca.Certificate.ExportCertificatePem(),
            new[] { Seed }, null, new Dictionary<string, string>(), null, Gateway is null ? null : new[] { Gateway.ToString() });
        EnrolmentStore.Save(edgeDataDir, bundle, FleetCertificates.KeyPem(cert));
    }

    /// <summary>A node that never became ready is stopped, not left running behind the error.</summary>
    private static FleetException NotReady(Process process, string message)
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new FleetException(message);
    }

    private static FleetException StartFailed(Process process, ConcurrentQueue<string> tail)
    {
        process.WaitForExit(); // drains the output readers
        return new FleetException($"fleet-cloud exited with {process.ExitCode} during start-up: {tail.LastOrDefault(l => l.Trim().Length > 0) ?? "(no output)"}");
    }

    private static async Task<bool> AcceptsAsync(SeedAddress address)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try { await client.ConnectAsync(address.Host, address.Port); return true; }
        catch (System.Net.Sockets.SocketException) { return false; }
    }

    public async Task<IReadOnlyList<DeviceReplies.DeviceView>> DevicesAsync()
    {
        var body = await Call(() => _http.GetByteArrayAsync("api/v1/devices"));
        return JsonSerializer.Deserialize<List<DeviceReplies.DeviceView>>(body, FleetJson.Options)!;
    }

    /// <summary>
    /// The cloud's managed heap after its last GC and the memory the GC holds committed, from its <c>/metrics</c> (the
    /// runtime's own meter): beside the process's RSS they tell live objects from GC slack and native memory.
    /// </summary>
    public async Task<(double HeapMb, double CommittedMb)> GcMemoryAsync()
    {
        var lines = (await Call(() => _http.GetStringAsync("metrics"))).Split('\n');
        double Sum(string metric) => lines.Where(l => l.StartsWith(metric, StringComparison.Ordinal) && (l.Length == metric.Length || l[metric.Length] is ' ' or '{'))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)) / (1024 * 1024);
        return (Sum("dotnet_gc_last_collection_heap_size_bytes"), Sum("dotnet_gc_last_collection_memory_committed_size_bytes"));
    }

    /// <summary>Waits until a device reports <paramref name="campaignId"/> v<paramref name="version"/> running.</summary>
    public async Task WaitRunningAsync(string campaignId, int version, TimeSpan within)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.Elapsed < within)
        {
            try
            {
                using var status = await GetJsonAsync($"api/v1/campaigns/{campaignId}/status");
                if (status.RootElement.EnumerateArray().Any(r => r.GetProperty("running").EnumerateArray().Any(c => c.GetProperty("version").GetInt32() == version))) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new Shared.Cli.FleetException($"no device ran {campaignId} v{version} within {within.TotalSeconds:0} s");
    }

    public async Task<JsonDocument> GetJsonAsync(string path) => JsonDocument.Parse(await Call(() => _http.GetByteArrayAsync(path)));

    /// <summary>
    /// A cloud that stopped answering because it exited is one clear error with its exit code and last words. A read the
    /// cloud could not answer in time (503, its actors busy under a benchmark's load) is asked again a few times.
    /// </summary>
    private async Task<T> Call<T>(Func<Task<T>> request)
    {
        for (var busy = 1; ; busy++)
        {
            try { return await request(); }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && busy < 10)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            catch (HttpRequestException) when (_process.WaitForExit(2000))
            {
                throw Exited();
            }
        }
    }

    private FleetException Exited()
    {
        // Downing is what usually ends a cloud under load: say who downed it and why, not the last line of the noise.
        // Another node downed it (the gossip says from whom), or its own last resolver decision included itself.
        var why = _downing.FirstOrDefault(l => l.Contains("has been downed", StringComparison.Ordinal)) ?? _downing.LastOrDefault()
                  ?? _tail.LastOrDefault(l => l.Trim().Length > 0) ?? "(no output)";
        return new FleetException($"fleet-cloud exited with {_process.ExitCode} during the benchmark: {why}");
    }

    public async Task<JsonDocument> PostJsonAsync(string path, object body)
    {
        using var response = await Call(() => _http.PostAsync(path, new StringContent(JsonSerializer.Serialize(body, FleetJson.Options), System.Text.Encoding.UTF8, "application/json")));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new FleetException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text);
    }

    public async Task<JsonDocument> PostBytesAsync(string path, byte[] body)
    {
        using var response = await Call(() => _http.PostAsync(path, new ByteArrayContent(body)));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new FleetException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text);
    }

    /// <summary>SIGKILL: no leaving the cluster, no shutdown hooks; the other nodes find out from the failure detector.</summary>
    public void Crash()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        if (!_process.WaitForExit(15_000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _http.Dispose();
        _ca?.Dispose();
    }
}
