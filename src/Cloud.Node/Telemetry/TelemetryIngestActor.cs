using Akka.Actor;
using Fleet.Cloud.Authority;
using Fleet.Cloud.Reports;
using Akka.Event;
using Akka.Persistence;
using Fleet.Shared.Cluster;
using Fleet.Shared.Persistence;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Telemetry;

/// <summary>
/// The cloud telemetry service (a cluster singleton on control nodes): checks each device batch with
/// <see cref="TelemetryStore.Decide"/>, persists accepted ones, acknowledges after the write, acknowledges replays
/// without counting them, and rejects (and logs) the rest. The store is rebuilt from the journal on restart. With a
/// report projection (child <see cref="ReportProjector"/>), accepted and replayed batches go through it and it sends
/// the acknowledgement once their outcomes are in the report rollups.
/// </summary>
public sealed class TelemetryIngestActor : SnapshottingActor
{
    public const string Id = "telemetry-ingest";
    private const int RecentRejections = 20;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ICohortResolver _cohorts;
    private readonly TimeSpan _retention;
    private readonly Queue<RejectionView> _recent = new();
    private TelemetryStore _store = TelemetryStore.Empty;
    private long _rejected;
    private readonly IActorRef? _reports;

    /// <param name="reports">The report projection (<see cref="ReportProjector"/>), run as a child that acknowledges batches once it has them; null: acknowledge after the journal write alone.</param>
    public TelemetryIngestActor(ICohortResolver cohorts, TimeSpan retention, Props? reports = null)
    {
        _cohorts = cohorts;
        _retention = retention;
        _reports = reports is null ? null : Context.ActorOf(reports, ActorNames.Cloud.Reports);

        // A batch is applied before its write completes, so a snapshot may already hold the first batches replayed after it.
        Recover<TelemetryEvents.BatchAccepted>(e => { if (!TelemetrySnapshots.Holds(_store, e)) _store = _store.Apply(e); });
        Recover<RecoveryCompleted>(_ => _store = PruneNow());

        Command<TelemetryProtocol.Batch>(Ingest);
        Command<TelemetryProtocol.Query>(q =>
            Sender.Tell(TelemetryQuery.Report(_store, q, DateTimeOffset.UtcNow, _rejected, _recent.Reverse().ToList())));
        Command<TelemetryProtocol.HealthQuery>(q => Sender.Tell(TelemetryQuery.Health(_store, q)));
        Command<Prune>(_ => _store = PruneNow());
    }

    /// <summary>Minute windows older than this are rolled up into hours.</summary>
    public static readonly TimeSpan MinuteResolution = TimeSpan.FromHours(2);

    public override string PersistenceId => Id;

    /// <remarks>The store as pruned to the retention: older batches leave the journal once the snapshot is saved.</remarks>
    protected override IFleetEvent TakeSnapshot() => TelemetrySnapshots.Of(_store = PruneNow());

    protected override void RestoreSnapshot(object snapshot) => _store = TelemetrySnapshots.Restore((TelemetrySnapshot)snapshot);

    /// <summary>Only senders allowed to send a message reach the handlers (<see cref="CommandGuard"/>).</summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        !CommandGuard.Admit(Context, message, Context.GetLogger()) || base.AroundReceive(receive, message);

    private TelemetryStore PruneNow() => _store.Prune(DateTimeOffset.UtcNow - _retention, DateTimeOffset.UtcNow - MinuteResolution);

    public static Props Props(ICohortResolver cohorts, TimeSpan retention, Props? reports = null) =>
        Akka.Actor.Props.Create(() => new TelemetryIngestActor(cohorts, retention, reports));

    protected override void PreStart() => Timers.StartPeriodicTimer(Prune.Instance, Prune.Instance, TimeSpan.FromMinutes(1));

    private void Ingest(TelemetryProtocol.Batch b)
    {
        var local = Sender.Path.Address.HasLocalScope;
        var senderDevice = local ? null : DeviceOf(Sender);
        var aggregate = b.Body is null ? null : AggregateCodec.TryDecode(b.Body);
        switch (_store.Decide(b, aggregate, senderDevice, local))
        {
            case TelemetryStore.Duplicate:
                CloudMetrics.Batch("duplicate");
                // The replay may be the device retrying after a crash that came between the journal write and the
                // report write: offer it to the reports again (they skip seqs they have); acknowledged once they have it.
                Acknowledge(new TelemetryProtocol.Ack(b.DeviceId, b.Seq, Duplicate: true), Sender,
                    aggregate is not null && TelemetryStore.Malformed(aggregate) is null ? ForReports(b, aggregate, _cohorts.CohortOf(b.DeviceId, b.Tags)) : null);
                return;
            case TelemetryStore.Reject r:
                _rejected++;
                CloudMetrics.Batch("rejected");
                var view = new RejectionView(DateTimeOffset.UtcNow, b.DeviceId, local ? "local" : Sender.Path.Address.ToString(), b.Seq, r.Reason);
                _recent.Enqueue(view);
                while (_recent.Count > RecentRejections) _recent.Dequeue();
                _log.Warning("telemetry batch rejected: claimed device {0}, seq {1}, from {2}: {3}", b.DeviceId, b.Seq, view.Sender, r.Reason);
                Sender.Tell(new TelemetryProtocol.Rejected(b.DeviceId, b.Seq, r.Reason));
                return;
        }
        var evt = new TelemetryEvents.BatchAccepted(b.DeviceId, b.Seq, b.Covers.ToArray(), b.Tags, _cohorts.CohortOf(b.DeviceId, b.Tags),
            aggregate, b.DroppedRenders, DateTimeOffset.UtcNow);
        // Applied before the write completes so a replay arriving meanwhile is already a duplicate; if the write
        // fails the actor restarts from the journal and the device, never acknowledged, sends the batch again.
        _store = _store.Apply(evt);
        CloudMetrics.Batch("accepted");
        CloudMetrics.Ingested(aggregate, evt.At);
        var sender = Sender;
        PersistAsync(evt, e => Acknowledge(new TelemetryProtocol.Ack(e.DeviceId, e.Seq, Duplicate: false), sender,
            aggregate is null ? null : ForReports(b, aggregate, e.Cohort)));
    }

    private static ReportBatch ForReports(TelemetryProtocol.Batch b, TelemetryAggregate a, string cohort) => new(b.DeviceId, [b.Seq, .. b.Covers], cohort, a);

    /// <summary>Hands the batch to the report projection, which acknowledges once it has it; without one, acknowledges now.</summary>
    private void Acknowledge(TelemetryProtocol.Ack ack, IActorRef device, ReportBatch? batch)
    {
        if (_reports is null) device.Tell(ack);
        else _reports.Tell(new ReportProjector.Project(batch, ack, device));
    }

    /// <summary>
    /// The device that sent a batch: a device's connection actor on a gateway member (the gateway named it from the
    /// client certificate), or a device member by its <c>device-ID</c> role (development membership); null otherwise.
    /// </summary>
    private static string? DeviceOf(IActorRef sender)
    {
        var member = Akka.Cluster.Cluster.Get(Context.System).State.Members.FirstOrDefault(m => m.Address == sender.Path.Address);
        if (member is null) return null;
        return member.HasRole(FleetCluster.GatewayRole) ? Fleet.Shared.Gateway.GatewayPaths.DeviceOf(sender.Path) : FleetCluster.DeviceIdOf(member.Roles);
    }

    private sealed class Prune : IDeadLetterSuppression
    {
        public static readonly Prune Instance = new();
    }
}
