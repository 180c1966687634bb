using Akka.Actor;
using Akka.Event;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Reports;

/// <summary>
/// Child of the telemetry ingest singleton: writes each accepted (or replayed) batch into the <see cref="ReportStore"/>
/// and only then sends the device its acknowledgement, so a batch the device may delete is always in the reports.
/// Batches that arrive while a write runs are written together in the next transaction (group commit), so the
/// database sees one transaction per burst, not per batch. A failed write acknowledges nothing: the devices send those
/// batches again and the store skips what it already has. Also deletes rows past retention, hourly and at start.
/// </summary>
public sealed class ReportProjector : ReceiveActor, IWithTimers
{
    /// <summary>Offer of one batch; <paramref name="Ack"/> goes to <paramref name="ReplyTo"/> once the store has it.</summary>
    public sealed record Project(ReportBatch? Batch, TelemetryProtocol.Ack Ack, IActorRef ReplyTo);

    private sealed record Written(IReadOnlyList<Project> Items);
    private sealed record WriteFailed(IReadOnlyList<Project> Items, Exception Cause);

    private sealed class Prune : IDeadLetterSuppression
    {
        public static readonly Prune Instance = new();
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ReportStore _store;
    private readonly TimeSpan _retention;
    private readonly List<Project> _pending = new();
    private bool _writing;
    private bool _pruneDue;

    public ITimerScheduler Timers { get; set; } = null!;

    public ReportProjector(ReportStore store, TimeSpan retention)
    {
        _store = store;
        _retention = retention;
        Receive<Project>(p => { _pending.Add(p); Flush(); });
        Receive<Prune>(_ => { _pruneDue = true; Flush(); });
        Receive<Written>(w =>
        {
            _writing = false;
            foreach (var p in w.Items) p.ReplyTo.Tell(p.Ack);
            Flush();
        });
        Receive<WriteFailed>(f =>
        {
            _writing = false;
            _log.Warning("report store write failed for {0} batch(es); their devices will send them again: {1}", f.Items.Count, f.Cause.Message);
            Flush();
        });
    }

    public static Props Props(ReportStore store, TimeSpan retention) => Akka.Actor.Props.Create(() => new ReportProjector(store, retention));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(Prune.Instance, Prune.Instance, TimeSpan.FromHours(1));
        Self.Tell(Prune.Instance);
    }

    private void Flush()
    {
        if (_writing || (_pending.Count == 0 && !_pruneDue)) return;
        var items = _pending.ToList();
        var prune = _pruneDue;
        _pending.Clear();
        _pruneDue = false;
        _writing = true;
        var store = _store;
        var retention = _retention;
        var log = _log;
        Task.Run(() =>
        {
            var now = DateTimeOffset.UtcNow;
            if (prune && store.Prune(now - retention) is var deleted and > 0) log.Info("report retention: deleted {0} rollup row(s) older than {1}", deleted, retention);
            var batches = items.Select(p => p.Batch).OfType<ReportBatch>().ToList();
            if (batches.Count > 0) store.Apply(batches, now, now - retention);
            return items;
        }).PipeTo(Self, success: done => new Written(done), failure: e => new WriteFailed(items, e.GetBaseException()));
    }
}
