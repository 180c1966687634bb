using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Cluster;
using Fleet.Shared.Security.Pki;

namespace Fleet.Bench.Simulator;

/// <summary>
/// Many simulated devices in one process, each with its own certificate, TLS connection and stream
/// (<see cref="SimulatedDevice"/>). Connections open with at most <c>parallel</c> handshakes in flight so that none
/// times out waiting for a CPU; a device whose attempt fails tries again after a short backoff, as a device would, and a
/// registered device that loses its stream reconnects. Kill policies are timed on arrival (<see cref="Watch"/>).
/// </summary>
public sealed class DeviceSimulator : IAsyncDisposable
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(30);
    /// <summary>A failed attempt waits 0.5 s, doubling to 5 s, ±20 % so simulated devices do not retry in lockstep.</summary>
    private static readonly Shared.Resilience.Backoff RetryBackoff = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5), Jitter: 0.2);
    private readonly SimulatedDevice[] _devices;
    private readonly IReadOnlyList<SeedAddress> _gateways;
    private readonly FleetTrust _trust;
    private readonly SemaphoreSlim _inFlight;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly Task _ticks;
    private PolicyWatch? _watch;
    private int _failedAttempts, _lost, _stuck;

    /// <param name="certificates">One device certificate (with its key) per simulated device.</param>
    /// <param name="ca">The fleet CA the gateways' certificates must chain to.</param>
    /// <param name="gateways">Device i connects to gateway i mod count.</param>
    public DeviceSimulator(IReadOnlyList<X509Certificate2> certificates, X509Certificate2 ca, IReadOnlyList<SeedAddress> gateways, int parallel)
    {
        _devices = certificates.Select((c, i) => new SimulatedDevice(i, c, this)).ToArray();
        _gateways = gateways;
        _trust = new FleetTrust(ca);
        _inFlight = new SemaphoreSlim(Math.Max(1, parallel));
        _ticks = TickAsync(_stop.Token);
    }

    public int Count => _devices.Length;
    public int Registered => _devices.Count(d => d.IsRegistered);
    public int WithCredentials => _devices.Count(d => d.HasCredentials);
    /// <summary>Connection attempts that ended without a registration (each was retried).</summary>
    public int FailedAttempts => Volatile.Read(ref _failedAttempts);
    /// <summary>Streams of registered devices that ended (each device reconnected).</summary>
    public int Lost => Volatile.Read(ref _lost);
    /// <summary>Frames a device could not queue because its stream did not drain.</summary>
    public int Stuck => Volatile.Read(ref _stuck);
    /// <summary>The commonest reasons attempts failed or streams ended, with how often, for the report.</summary>
    public IReadOnlyList<string> FailureReasons =>
        _failures.GroupBy(f => f).OrderByDescending(g => g.Count()).Take(5).Select(g => $"{g.Count()}x {g.Key}").ToList();

    /// <summary>Connects every device; returns each device's attempt → Registered time (ms) once all registered or the deadline passed.</summary>
    /// <param name="gone">Checked every few seconds: why connecting is pointless now (the cloud exited), or null.</param>
    public async Task<IReadOnlyList<double>> ConnectAllAsync(TimeSpan deadline, Action<string> progress, Func<string?>? gone = null)
    {
        var sw = Stopwatch.StartNew();
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        giveUp.CancelAfter(deadline);
        var times = new double[_devices.Length];
        var all = Task.WhenAll(_devices.Select(d => ConnectUntilRegisteredAsync(d, ms => times[d.Index] = ms, giveUp.Token)));
        while (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))) != all)
        {
            progress($"  {sw.Elapsed.TotalSeconds,5:0.0} s: {Registered} of {Count} registered ({FailedAttempts} failed attempts)");
            if (gone?.Invoke() is not { } why) continue;
            progress($"  giving up: {why}");
            await giveUp.CancelAsync();
        }
        return times.Where(t => t > 0).ToList();
    }

    /// <summary>Starts timing the arrival of policy epoch <paramref name="epoch"/> (or later) at every device, from now.</summary>
    public PolicyWatch Watch(long epoch) => _watch = new PolicyWatch(epoch, _devices.Length);

    internal void PolicyReceived(SimulatedDevice device, long epoch) => _watch?.Saw(device.Index, epoch, Stopwatch.GetTimestamp());

    internal void StreamLost(SimulatedDevice device, string reason)
    {
        Interlocked.Increment(ref _lost);
        if (_failures.Count < 10_000) _failures.Enqueue($"stream lost: {reason}");
        _ = ConnectUntilRegisteredAsync(device, _ => { }, _stop.Token);
    }

    internal void FrameNotQueued(SimulatedDevice device) => Interlocked.Increment(ref _stuck);

    private async Task ConnectUntilRegisteredAsync(SimulatedDevice device, Action<double> registeredAfterMs, CancellationToken ct)
    {
        for (var attempt = 1; !ct.IsCancellationRequested; attempt++)
        {
            string? failure;
            try { await _inFlight.WaitAsync(ct); }
            catch (OperationCanceledException) { return; }
            var sw = Stopwatch.StartNew();
            try { failure = await device.ConnectAsync(_gateways[device.Index % _gateways.Count], _trust, AttemptTimeout); }
            finally { _inFlight.Release(); }
            if (failure is null)
            {
                registeredAfterMs(sw.Elapsed.TotalMilliseconds);
                return;
            }
            Interlocked.Increment(ref _failedAttempts);
            if (_failures.Count < 10_000) _failures.Enqueue(failure);
            // A refusal is final for a device; the benchmark reports it as not registered.
            if (failure.StartsWith("refused", StringComparison.Ordinal)) return;
            try { await Task.Delay(RetryBackoff.Delay(attempt), ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task TickAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var d in _devices) d.Tick(now);
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _ticks;
        foreach (var chunk in _devices.Chunk(500)) await Task.WhenAll(chunk.Select(d => d.CloseAsync()));
        _stop.Dispose();
    }
}

/// <summary>When each device first received a policy of at least <see cref="Epoch"/>, counted from the moment of the watch.</summary>
public sealed class PolicyWatch
{
    private readonly long[] _at;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;

    internal PolicyWatch(long epoch, int devices)
    {
        Epoch = epoch;
        _at = new long[devices];
        if (devices == 0) _all.TrySetResult();
    }

    public long Epoch { get; }
    public int Received => Volatile.Read(ref _received);
    public Task AllReceived => _all.Task;

    internal void Saw(int device, long epoch, long now)
    {
        if (epoch < Epoch || Interlocked.CompareExchange(ref _at[device], now, 0) != 0) return;
        if (Interlocked.Increment(ref _received) == _at.Length) _all.TrySetResult();
    }

    /// <summary>Milliseconds from the watch to each arrival so far.</summary>
    public IReadOnlyList<double> LatenciesMs() =>
        _at.Where(t => t != 0).Select(t => (t - _startedAt) * 1000.0 / Stopwatch.Frequency).ToList();
}
