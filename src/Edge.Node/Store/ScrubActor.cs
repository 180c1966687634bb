using Akka.Actor;
using Akka.Event;
using Fleet.Edge.Hosting;

namespace Fleet.Edge.Store;

/// <summary>When the background scrub runs and how hard it may read.</summary>
/// <param name="Every">Time between scrubs (default daily); the first runs <see cref="FirstAfter"/> after start, or sooner when <see cref="Every"/> is shorter.</param>
/// <param name="BytesPerSecond">Read pace, so a scrub never competes with renders for the disk or a core.</param>
public sealed record ScrubSettings(TimeSpan Every, TimeSpan FirstAfter, long BytesPerSecond)
{
    public static readonly ScrubSettings Default = new(TimeSpan.FromDays(1), TimeSpan.FromMinutes(10), 16L * 1024 * 1024);

    public TimeSpan FirstDelay => Every < FirstAfter ? Every : FirstAfter;
}

/// <summary>
/// The edge <c>store-scrub</c> actor: hashes the whole store again on a schedule (<see cref="StoreScrub"/>), one file at a
/// time and paced, in the background. Mismatches go through the guard, so they are handled as at use.
/// </summary>
public sealed class ScrubActor : ReceiveActor, IWithTimers
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ScrubSettings _settings;

    public ScrubActor(AssetGuard guard, string dataDir, ScrubSettings settings)
    {
        _settings = settings;
        var running = false;
        Receive<Tick>(_ =>
        {
            if (running) return;
            running = true;
            StoreScrub.RunAsync(guard, dataDir, settings.BytesPerSecond, _stop.Token).PipeTo(Self, failure: e => new Failed(e.Message));
        });
        Receive<StoreScrub.Report>(r =>
        {
            running = false;
            AgentLog.Write($"store scrub: {r.Checked} file(s), {r.Bytes} bytes checked in {r.Seconds:0.0}s; " +
                           (r.Clean ? "all match their sha256" : $"{r.Problems.Count} failed: {string.Join("; ", r.Problems.Select(p => $"{p.What} {p.State}"))}"));
            Timers.StartSingleTimer(Tick.Instance, Tick.Instance, settings.Every);
        });
        Receive<Failed>(f =>
        {
            running = false;
            AgentLog.Write($"store scrub stopped: {f.Reason}; next in {settings.Every}");
            Timers.StartSingleTimer(Tick.Instance, Tick.Instance, settings.Every);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AssetGuard guard, string dataDir, ScrubSettings settings) =>
        Akka.Actor.Props.Create(() => new ScrubActor(guard, dataDir, settings));

    protected override void PreStart() => Timers.StartSingleTimer(Tick.Instance, Tick.Instance, _settings.FirstDelay);

    protected override void PostStop() => _stop.Cancel();

    private sealed record Failed(string Reason);

    private sealed class Tick : IDeadLetterSuppression
    {
        public static readonly Tick Instance = new();
    }
}
