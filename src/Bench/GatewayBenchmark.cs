using System.Diagnostics;
using System.Text.Json;
using Fleet.Bench.Simulator;
using Fleet.Shared.Cli;
using Fleet.Shared.Devices;

namespace Fleet.Bench;

/// <summary>
/// The device gateway under N simulated devices (one process, each device its own certificate, TLS connection and
/// stream) against a throwaway cloud: time until all registered, the cloud's memory per 1,000 connected devices, its
/// CPU with every device idle, and kill engage (and release) → every device received the policy, → the cloud shows all
/// acknowledged, over several rounds.
/// </summary>
public static class GatewayBenchmark
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PolicyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// DESIGN.md's budgets are for 10,000 devices. Below that, registration scales with N (60 s × N/10,000, at least
    /// 10 s); kill p99 and memory per 1,000 devices stay absolute.
    /// </summary>
    public sealed record Budgets(double RegisteredSeconds, double KillP99Ms, double MbPer1000)
    {
        public static Budgets For(int devices) => new(Math.Max(10, 60.0 * devices / 10_000), 1000, 60);
    }

    /// <param name="Change">engage or release.</param>
    /// <param name="ReceivedMs">Per device: engage (the API call) → the policy frame arrived at the device.</param>
    /// <param name="AllAckedMs">Engage → a status poll showed nothing pending (polling starts once every device received it).</param>
    /// <param name="CloudAckMs">The cloud's own engage → acknowledgement percentiles (its kill status).</param>
    public sealed record Round(int Number, string Change, long Epoch, Stats ReceivedMs, int NotReceived, double AllAckedMs, Stats CloudAckMs);

    public sealed record Result(int Devices, int Gateways, int Rounds, int Parallel, int Cores, long OpenFileLimit,
        int CertificatesIssued, double CertificatesSeconds,
        int Registered, double RegisteredSeconds, Stats AttemptToRegisteredMs, int FailedAttempts, int ApiDevicesUp, double ApiAllUpSeconds, double CredentialsSeconds,
        double CloudRssBeforeMb, double CloudRssConnectedMb, double CloudMbPer1000, double CloudRssEndMb, double ControlGcMbPer1000,
        double CloudIdleCpuPercent, double SimulatorIdleCpuPercent, double SimulatorRssMb,
        Stats EngageReceivedMs, double EngageAllAckedMs, Stats ReleaseReceivedMs, double ReleaseAllAckedMs, double CloudAckP99Ms,
        IReadOnlyList<Round> RoundDetails, int LostStreams, int StuckFrames, IReadOnlyList<string> FailureReasons,
        Budgets Budget, IReadOnlyList<string> Missed);

    public static async Task<Result> RunAsync(string cloudDll, int devices, int gateways, int rounds, int parallel, Action<string> progress)
    {
        // Each device holds a socket in this process and one in a gateway: both need the open-file limit for it.
        var fileLimit = ProcessProbe.RequireOpenFiles(devices, devices + 4096, devices / gateways + 1024);
        var ids = SimulatorIdentities.LoadOrIssue(SimulatorIdentities.DefaultDir, devices);
        progress($"{devices} device certificates ready in {ids.Seconds:0.0} s ({ids.Issued} issued now, the rest from {SimulatorIdentities.DefaultDir})");
        var root = Path.Combine(Path.GetTempPath(), "fleet-bench-gateway-" + Guid.NewGuid().ToString("N")[..8]);
        var clouds = new List<BenchCloud>();
        try
        {
            var caKey = SimulatorIdentities.CaKeyPath(SimulatorIdentities.DefaultDir);
            var control = await BenchCloud.StartAsync(cloudDll, Path.Combine(root, "cloud"), JoinBenchmark.FreePort(), JoinBenchmark.FreePort(), mtls: true,
                new BenchCloud.NodeShape(caKey, gateways > 1 ? "control,render" : null));
            clouds.Add(control);
            for (var g = 1; gateways > 1 && g <= gateways; g++)
                clouds.Add(await BenchCloud.StartAsync(cloudDll, Path.Combine(root, $"gateway-{g}"), JoinBenchmark.FreePort(), JoinBenchmark.FreePort(), mtls: true,
                    new BenchCloud.NodeShape(caKey, "gateway", control.Seed)));
            var gatewayAddresses = clouds.Where(c => c.Gateway is not null).Select(c => c.Gateway!).ToList();
            progress($"cloud up: {clouds.Count} process(es), gateways {string.Join(", ", gatewayAddresses)}");
            await Task.Delay(Settle);
            var rssBefore = CloudRss(clouds);
            var gcBefore = await control.GcMemoryAsync();
            var budget = Budgets.For(devices);

            await using var sim = new DeviceSimulator(ids.Certificates, ids.Ca, gatewayAddresses, parallel);
            var sw = Stopwatch.StartNew();
            var attempts = await sim.ConnectAllAsync(TimeSpan.FromSeconds(Math.Max(120, 3 * budget.RegisteredSeconds)), progress,
                () => clouds.Select(c => c.ExitReason).FirstOrDefault(r => r is not null));
            if (clouds.Select(c => c.ExitReason).FirstOrDefault(r => r is not null) is { } exited) throw new FleetException(exited);
            var registeredSeconds = sw.Elapsed.TotalSeconds;
            var registered = sim.Registered;
            progress($"{registered} of {devices} devices registered in {registeredSeconds:0.0} s ({sim.FailedAttempts} failed attempts)");
            var (apiUp, apiSeconds) = await WaitApiUpAsync(control, devices, sw);
            progress($"GET /api/v1/devices: {apiUp} up, all seen at {apiSeconds:0.0} s");
            // Registration is done for the cloud once every device also got its credentials (tokens are issued after the
            // reply); until then it is still busy and not idle.
            var settled = await WaitCredentialsAsync(sim, sw);
            progress($"credentials at every registered device at {settled:0.0} s");
            await Task.Delay(Settle);
            var rssConnected = CloudRss(clouds);
            var gc = await control.GcMemoryAsync();
            progress($"control node: RSS {ProcessProbe.RssMb(control.ProcessId):0} MB; GC heap after its last collection {gc.HeapMb:0} MB, committed {gc.CommittedMb:0} MB");
            var gcPer1000 = registered == 0 ? double.NaN : (gc.CommittedMb - gcBefore.CommittedMb) / registered * 1000;

            var cloudCpu = clouds.Sum(c => ProcessProbe.CpuSeconds(c.ProcessId));
            var simCpu = ProcessProbe.CpuSeconds(Environment.ProcessId);
            var idle = Stopwatch.StartNew();
            await Task.Delay(Idle);
            var cloudIdle = 100 * (clouds.Sum(c => ProcessProbe.CpuSeconds(c.ProcessId)) - cloudCpu) / idle.Elapsed.TotalSeconds;
            var simIdle = 100 * (ProcessProbe.CpuSeconds(Environment.ProcessId) - simCpu) / idle.Elapsed.TotalSeconds;
            progress($"idle {Idle.TotalSeconds:0} s: cloud CPU {cloudIdle:0.0} % of one core, simulator {simIdle:0.0} %");

            var details = new List<Round>();
            var epoch = await CurrentEpochAsync(control);
            for (var round = 1; round <= rounds; round++)
            {
                string? killId = null;
                foreach (var change in new[] { "engage", "release" })
                {
                    var changedAt = sw.Elapsed;
                    var watch = sim.Watch(epoch + 1);
                    using var answer = change == "engage"
                        ? await control.PostJsonAsync("api/v1/kill", new { scope = $"model:gateway-bench@1.0.{round}", reason = "benchmark" })
                        : await control.PostJsonAsync($"api/v1/kill/{killId}/release", new { reason = "benchmark" });
                    epoch = answer.RootElement.GetProperty("epoch").GetInt64();
                    killId ??= answer.RootElement.GetProperty("directive").GetProperty("id").GetString()!;
                    try { await watch.AllReceived.WaitAsync(PolicyTimeout); } catch (TimeoutException) { }
                    var (ackedMs, cloudAck) = await WaitAckedAsync(control, killId, changedAt, sw);
                    var r = new Round(round, change, epoch, Stats.Of(watch.LatenciesMs()), devices - watch.Received, ackedMs, cloudAck);
                    details.Add(r);
                    progress($"round {round}/{rounds} {change,-7} epoch {epoch}: received p50 {r.ReceivedMs.P50:0} ms p99 {r.ReceivedMs.P99:0} ms max {r.ReceivedMs.Max:0} ms" +
                             $"{(r.NotReceived > 0 ? $" ({r.NotReceived} never)" : "")}; all acknowledged (cloud) {ackedMs:0} ms");
                }
            }
            var rssEnd = CloudRss(clouds);
            var engage = details.Where(d => d.Change == "engage").ToList();
            var release = details.Where(d => d.Change == "release").ToList();
            var mbPer1000 = registered == 0 ? double.NaN : (rssConnected - rssBefore) / registered * 1000;
            var result = new Result(devices, gatewayAddresses.Count, rounds, parallel, Environment.ProcessorCount, fileLimit, ids.Issued, ids.Seconds,
                registered, registeredSeconds, Stats.Of(attempts), sim.FailedAttempts, apiUp, apiSeconds, settled,
                rssBefore, rssConnected, mbPer1000, rssEnd, gcPer1000, cloudIdle, simIdle, ProcessProbe.RssMb(Environment.ProcessId),
                MedianOf(engage), Median(engage.Select(r => r.AllAckedMs)), MedianOf(release), Median(release.Select(r => r.AllAckedMs)),
                Median(engage.Select(r => r.CloudAckMs.P99)), details, sim.Lost, sim.Stuck, sim.FailureReasons, budget, []);
            return result with { Missed = Missed(result) };
        }
        finally
        {
            foreach (var c in clouds.AsEnumerable().Reverse()) c.Dispose();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Each budget the result misses, as one line.</summary>
    private static List<string> Missed(Result r)
    {
        var missed = new List<string>();
        if (r.Registered < r.Devices) missed.Add($"only {r.Registered} of {r.Devices} devices registered");
        else if (r.RegisteredSeconds > r.Budget.RegisteredSeconds) missed.Add($"all registered after {r.RegisteredSeconds:0.0} s (budget {r.Budget.RegisteredSeconds:0} s)");
        if (r.ApiDevicesUp < r.Devices) missed.Add($"the cloud lists {r.ApiDevicesUp} of {r.Devices} devices up");
        if (!(r.EngageReceivedMs.P99 <= r.Budget.KillP99Ms)) missed.Add($"kill engage -> received p99 {r.EngageReceivedMs.P99:0} ms (budget {r.Budget.KillP99Ms:0} ms)");
        if (r.RoundDetails.Any(d => d.NotReceived > 0)) missed.Add($"a policy never reached some devices within {PolicyTimeout.TotalSeconds:0} s");
        if (!(r.CloudMbPer1000 <= r.Budget.MbPer1000)) missed.Add($"{r.CloudMbPer1000:0.0} MB of cloud memory per 1,000 devices (budget {r.Budget.MbPer1000:0} MB)");
        return missed;
    }

    private static double CloudRss(IEnumerable<BenchCloud> clouds) => clouds.Sum(c => ProcessProbe.RssMb(c.ProcessId));

    /// <summary>Until the registry lists every simulated device up (or a minute more): how many, and when (s since connecting began).</summary>
    internal static async Task<(int Up, double Seconds)> WaitApiUpAsync(BenchCloud cloud, int devices, Stopwatch since)
    {
        var until = since.Elapsed + TimeSpan.FromSeconds(60);
        while (true)
        {
            int up;
            // A registry too busy to list every device in time answers 503: that is "not yet", and the result says how many it listed.
            try { up = (await cloud.DevicesAsync()).Count(d => d.DeviceId.StartsWith(SimulatorIdentities.Prefix, StringComparison.Ordinal) && d.Connectivity == Connectivity.Up); }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable) { up = 0; }
            if (up >= devices || since.Elapsed > until) return (up, since.Elapsed.TotalSeconds);
            await Task.Delay(500);
        }
    }

    private static async Task<double> WaitCredentialsAsync(DeviceSimulator sim, Stopwatch since)
    {
        var until = since.Elapsed + TimeSpan.FromSeconds(120);
        while (sim.WithCredentials < sim.Registered && since.Elapsed < until) await Task.Delay(500);
        return since.Elapsed.TotalSeconds;
    }

    private static async Task<long> CurrentEpochAsync(BenchCloud cloud)
    {
        using var state = await cloud.GetJsonAsync("api/v1/kill");
        return state.RootElement.GetProperty("epoch").GetInt64();
    }

    /// <summary>Polls the kill's status until nothing is pending: ms from <paramref name="changedAt"/>, and the cloud's own ack percentiles.</summary>
    private static async Task<(double Ms, Stats CloudAck)> WaitAckedAsync(BenchCloud cloud, string killId, TimeSpan changedAt, Stopwatch clock)
    {
        while (true)
        {
            using var status = await cloud.GetJsonAsync($"api/v1/kill/{killId}");
            var s = status.RootElement;
            if (s.GetProperty("pending").GetInt32() == 0 || clock.Elapsed - changedAt > PolicyTimeout)
            {
                var acks = s.GetProperty("devices").EnumerateArray()
                    .Where(d => d.TryGetProperty("ack_ms", out var ms) && ms.ValueKind == JsonValueKind.Number).Select(d => d.GetProperty("ack_ms").GetDouble()).ToList();
                return ((clock.Elapsed - changedAt).TotalMilliseconds, Stats.Of(acks));
            }
            await Task.Delay(200);
        }
    }

    private static Stats MedianOf(IReadOnlyList<Round> rounds) => rounds.Count == 0 ? Stats.Of([])
        : new Stats(rounds.Sum(r => r.ReceivedMs.Count), Median(rounds.Select(r => r.ReceivedMs.P50)), Median(rounds.Select(r => r.ReceivedMs.P95)),
            Median(rounds.Select(r => r.ReceivedMs.P99)), Median(rounds.Select(r => r.ReceivedMs.Max)));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
