using Akka.Actor;
using Akka.Event;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Telemetry;

/// <summary>
/// The device's telemetry actor: folds render events, player events (<see cref="Player.PlayerOutcome"/>, into the
/// render's own group), legacy impressions/clicks and resource samples into per-minute
/// aggregates, writes the open minute to the outbox after every event, and seals finished minutes into numbered
/// outbox entries that the link uploads. Emit with <c>Tell(renderEvent)</c> via <see cref="TelemetryActorKey"/>, or
/// publish a <see cref="RenderEvent"/> on the event stream.
/// </summary>
public sealed class TelemetryActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Outbox _outbox;
    private readonly TelemetrySettings _settings;
    private readonly TimeProvider _clock;
    private readonly ResourceProbe? _probe;
    private readonly Dictionary<DateTimeOffset, OpenMinute> _open = new();
    private readonly Dictionary<string, GroupKey> _latestGroup = new(StringComparer.Ordinal);

    public TelemetryActor(Outbox outbox, TelemetrySettings settings, TimeProvider clock, ResourceProbe? probe)
    {
        _outbox = outbox;
        _settings = settings;
        _clock = clock;
        _probe = probe;
        foreach (var m in outbox.LoadOpen()) _open[m.Start] = m;

        Receive<RenderEvent>(e => Record(e));
        Receive<Interaction>(i => Record(i));
        Receive<Player.PlayerOutcome>(o =>
        {
            Fold(o.At, m => MinuteFold.Add(m, o));
            EdgeMetrics.PlayerEvents(o.Slots);
        });
        Receive<ResourceSample>(s =>
        {
            Fold(s.At, m => MinuteFold.Add(m, s));
            EdgeMetrics.Temperature(s.TemperatureC);
            // The render coordinator delegates under pressure; it learns the device's load from the same samples.
            Context.System.EventStream.Publish(s);
        });
        Receive<Edge.Store.AssetQuarantined>(_ =>
        {
            Fold(_clock.GetUtcNow(), MinuteFold.AddQuarantined);
            EdgeMetrics.Quarantined();
        });
        Receive<Recorded.Confirm>(c =>
        {
            switch (c.Event)
            {
                case RenderEvent e: Record(e); break;
                case Interaction i: Record(i); break;
            }
            Sender.Tell(Recorded.Instance);
        });
        Receive<SealTick>(_ => SealDue());
        Receive<SealNow>(_ => { SealDue(all: true); Sender.Tell(Recorded.Instance); });
        Receive<SampleTick>(_ => { if (_probe is not null) Self.Tell(_probe.Sample(_clock.GetUtcNow())); });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Outbox outbox, TelemetrySettings settings, TimeProvider? clock = null, ResourceProbe? probe = null) =>
        Akka.Actor.Props.Create(() => new TelemetryActor(outbox, settings, clock ?? TimeProvider.System, probe));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(RenderEvent));
        Context.System.EventStream.Subscribe(Self, typeof(Player.PlayerOutcome));
        Context.System.EventStream.Subscribe(Self, typeof(Edge.Store.AssetQuarantined));
        Timers.StartPeriodicTimer(SealTick.Instance, SealTick.Instance, _settings.SealInterval);
        if (_probe is not null) Timers.StartPeriodicTimer(SampleTick.Instance, SampleTick.Instance, _settings.SampleInterval);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void Record(RenderEvent e)
    {
        Fold(e.At ?? _clock.GetUtcNow(), m => MinuteFold.Add(m, e));
        var key = MinuteFold.KeyOf(e);
        _latestGroup[key.CampaignId] = key;
        EdgeMetrics.Render(e);
    }

    private void Record(Interaction i)
    {
        var campaign = TelemetryText.Id(i.CampaignId);
        var key = _latestGroup.GetValueOrDefault(campaign) ?? GroupKey.CampaignOnly(campaign);
        Fold(i.At ?? _clock.GetUtcNow(), m => MinuteFold.Add(m, i, key));
        EdgeMetrics.Interaction(i.Kind);
    }

    /// <summary>Folds into the event's minute, or the current one if that minute was already sealed (late events still count).</summary>
    private void Fold(DateTimeOffset at, Func<OpenMinute, OpenMinute> fold)
    {
        var now = _clock.GetUtcNow();
        var minute = MinuteFold.MinuteOf(at);
        if (minute + TimeSpan.FromMinutes(1) + _settings.SealGrace <= now || minute > now) minute = MinuteFold.MinuteOf(now);
        var updated = fold(_open.GetValueOrDefault(minute) ?? OpenMinute.For(minute));
        _outbox.SaveOpen(updated);
        _open[minute] = updated;
    }

    private void SealDue(bool all = false)
    {
        var now = _clock.GetUtcNow();
        foreach (var m in _open.Values.OrderBy(m => m.Start).ToList())
        {
            var ended = m.Start + TimeSpan.FromMinutes(1) + _settings.SealGrace <= now;
            if (!ended && !all && !_settings.SealPartialMinutes) continue;
            if (m.Groups.Count == 0 && m.Samples.Count == 0 && m.QuarantinedAssets == 0 && !ended) continue;
            var seq = _outbox.Seal(m.Start, MinuteFold.Seal(m, _settings.K));
            _open.Remove(m.Start);
            _log.Debug("sealed minute {0:u} as seq {1} ({2} renders)", m.Start, seq, m.Renders);
        }
        var (entries, bytes) = _outbox.Size();
        EdgeMetrics.Outbox(entries, bytes);
    }

    private sealed class SealTick : IDeadLetterSuppression
    {
        public static readonly SealTick Instance = new();
    }

    private sealed class SampleTick : IDeadLetterSuppression
    {
        public static readonly SampleTick Instance = new();
    }

    /// <summary>Seals every open minute now (shutdown, tests, benchmarks); answered with <see cref="Recorded"/>.</summary>
    public sealed class SealNow
    {
        public static readonly SealNow Instance = new();
    }
}

/// <summary>The answer to <see cref="Confirm"/>: the event is in the outbox database.</summary>
public sealed class Recorded
{
    public static readonly Recorded Instance = new();

    /// <summary>Records a <see cref="RenderEvent"/> or <see cref="Interaction"/> and answers once it is stored.</summary>
    public sealed record Confirm(object Event);
}
