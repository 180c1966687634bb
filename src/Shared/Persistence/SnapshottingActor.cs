using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Persistence;

/// <summary>
/// A persistent actor whose journal stays short: after every <see cref="SnapshotEvery"/> events it saves a snapshot of
/// its state, and once that save succeeded it deletes the events and the older snapshots it covers. Recovery then
/// reads one snapshot and the events after it instead of the actor's whole history.
/// <para>
/// A snapshot is a record marked <see cref="IFleetEvent"/> with a <see cref="PersistedAsAttribute"/> name, so it is
/// stored as versioned JSON exactly like an event and survives a rename of the C# type. Actors that apply an event
/// before its write completes (<c>PersistAsync</c>) may snapshot a state that already holds an event still in flight:
/// replaying that event over the snapshot must change nothing.
/// </para>
/// </summary>
public abstract class SnapshottingActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>The HOCON setting for <see cref="SnapshotEvery"/>; 0 turns snapshots off.</summary>
    public const string SnapshotEverySetting = "fleet.persistence.snapshot-every";

    /// <summary>
    /// Events between snapshots when the setting is absent. Each snapshot costs one write of the whole state (a device
    /// entity holds up to 500 signed audit heads, about 200 kB); each event between them costs one row and one replay.
    /// 500 keeps the snapshot writes below the event writes for the largest state, and recovery under a second.
    /// </summary>
    public const int DefaultSnapshotEvery = 500;

    private readonly ILoggingAdapter _snapshotLog = Context.GetLogger();
    private long _snapshotAt;
    private bool _saving;
    // One delete at a time: two deletes of one actor's events in flight together can fail on PostgreSQL (both rewrite
    // the same rows), and a failed one would leave the covered events in the journal until the next snapshot.
    private long _deleteWanted;
    private long _deleted;
    private bool _deleting;
    private int _deleteFailures;
    /// <summary>A failed delete is tried again after 2 s, doubling up to every 5 min.</summary>
    private static readonly Resilience.Backoff DeleteBackoff = new(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5));

    protected SnapshottingActor()
    {
        SnapshotEvery = Context.System.Settings.Config.GetInt(SnapshotEverySetting, DefaultSnapshotEvery);
        Recover<SnapshotOffer>(offer =>
        {
            _snapshotAt = offer.Metadata.SequenceNr;
            RestoreSnapshot(offer.Snapshot);
        });
    }

    /// <summary>The actor's timers: this class retries failed deletes with one, subclasses use it for their own.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Events between two snapshots (<c>fleet.persistence.snapshot-every</c>); 0 means never.</summary>
    protected int SnapshotEvery { get; }

    /// <summary>
    /// The state to store now. Retention belongs here: whatever the actor no longer needs to keep (finished jobs past
    /// their time, data older than its retention) is dropped from the state before it is stored, and the events that
    /// carried it are deleted with the rest once the snapshot is saved.
    /// </summary>
    protected abstract IFleetEvent TakeSnapshot();

    /// <summary>Restores the state from a snapshot <see cref="TakeSnapshot"/> stored.</summary>
    protected abstract void RestoreSnapshot(object snapshot);

    protected override bool AroundReceive(Receive receive, object message)
    {
        switch (message)
        {
            case SaveSnapshotSuccess saved:
                _saving = false;
                // The snapshot holds everything up to its sequence number: those events and every older snapshot can go.
                _deleteWanted = Math.Max(_deleteWanted, saved.Metadata.SequenceNr);
                DeleteCoveredEvents();
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                // Events persisted while this one was being saved may already call for the next.
                SnapshotIfDue();
                return true;
            case SaveSnapshotFailure failed:
                _saving = false;
                _snapshotLog.Warning("{0}: snapshot at event {1} was not saved ({2}); the events stay and the next snapshot tries again",
                    PersistenceId, failed.Metadata.SequenceNr, failed.Cause.Message);
                return true;
            case DeleteMessagesSuccess deleted:
                _deleting = false;
                _deleted = Math.Max(_deleted, deleted.ToSequenceNr);
                _deleteFailures = 0;
                DeleteCoveredEvents();
                return true;
            case DeleteMessagesFailure failed:
                var retryIn = DeleteBackoff.Delay(++_deleteFailures);
                _snapshotLog.Warning("{0}: events up to {1} were not deleted ({2}); trying again in {3}", PersistenceId, failed.ToSequenceNr, failed.Cause.Message, retryIn);
                Timers.StartSingleTimer(RetryDelete.Instance, RetryDelete.Instance, retryIn);
                return true;
            case RetryDelete:
                _deleting = false;
                DeleteCoveredEvents();
                return true;
            case DeleteSnapshotsFailure failed:
                _snapshotLog.Warning("{0}: old snapshots were not deleted ({1}); the next snapshot deletes them", PersistenceId, failed.Cause.Message);
                return true;
            case DeleteSnapshotsSuccess:
                return true;
        }
        var handled = base.AroundReceive(receive, message);
        SnapshotIfDue();
        return handled;
    }

    private void DeleteCoveredEvents()
    {
        if (_deleting || _deleteWanted <= _deleted) return;
        _deleting = true;
        DeleteMessages(_deleteWanted);
    }

    /// <summary>Tells the actor to try a failed delete again (local only, never stored or sent).</summary>
    private sealed class RetryDelete
    {
        public static readonly RetryDelete Instance = new();
    }

    private void SnapshotIfDue()
    {
        if (SnapshotEvery <= 0 || _saving || IsRecovering || LastSequenceNr - _snapshotAt < SnapshotEvery) return;
        _saving = true;
        _snapshotAt = LastSequenceNr;
        SaveSnapshot(TakeSnapshot());
    }
}
