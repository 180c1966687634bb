using System.Text.Json;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Fleet.Shared.Persistence;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Node.Tests.Persistence;

/// <summary>
/// A persistent actor on the in-memory journal and snapshot store, snapshotting every <see cref="Every"/> events: a spec
/// stops it, starts it again under the same persistence id and compares what it answers, and reads the journal and the
/// snapshot store directly to see what the snapshots left there.
/// </summary>
public abstract class PersistentActorSpec() : TestKit($"""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp {"{"} hostname = 127.0.0.1, port = 0 {"}"}
    akka.loglevel = WARNING
    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
    {SnapshottingActor.SnapshotEverySetting} = {Every}
    """)
{
    protected const int Every = 5;
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>Stops <paramref name="actor"/> and waits until it is gone, so the next incarnation recovers what it wrote.</summary>
    protected void StopAndWait(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor, Wait);
        Unwatch(actor);
    }

    /// <summary>The sequence numbers of the events the journal still holds for <paramref name="persistenceId"/>.</summary>
    protected IReadOnlyList<long> JournalOf(string persistenceId)
    {
        var probe = CreateTestProbe();
        Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null)
            .Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, persistenceId, probe.Ref));
        var held = new List<long>();
        while (true)
        {
            switch (probe.ExpectMsg<object>(Wait))
            {
                case ReplayedMessage r: held.Add(r.Persistent.SequenceNr); break;
                case RecoverySuccess: return held;
                case var other: throw new InvalidOperationException($"the journal answered {other}");
            }
        }
    }

    /// <summary>The sequence number of the last event <paramref name="persistenceId"/> wrote (deleted ones included).</summary>
    protected long HighestSequenceNr(string persistenceId)
    {
        var probe = CreateTestProbe();
        Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null)
            .Tell(new ReplayMessages(0, long.MaxValue, 0, persistenceId, probe.Ref));
        return probe.ExpectMsg<RecoverySuccess>(Wait).HighestSequenceNr;
    }

    /// <summary>The sequence number of the latest snapshot at or below <paramref name="upTo"/> (null: none).</summary>
    protected long? SnapshotOf(string persistenceId, long upTo = long.MaxValue)
    {
        var probe = CreateTestProbe();
        Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null)
            .Tell(new LoadSnapshot(persistenceId, new SnapshotSelectionCriteria(upTo), long.MaxValue), probe.Ref);
        return probe.ExpectMsg<LoadSnapshotResult>(Wait).Snapshot?.Metadata.SequenceNr;
    }

    /// <summary>
    /// After <paramref name="lastEvent"/> events: a snapshot within the last <see cref="Every"/> events, no older snapshot,
    /// and only the events after it left in the journal (deletion follows the save, so this waits for it, bounded).
    /// </summary>
    protected void AssertOnlyEventsAfterTheLatestSnapshot(string persistenceId, long lastEvent) => AwaitAssert(() =>
    {
        var at = SnapshotOf(persistenceId);
        Assert.True(at > lastEvent - Every, $"{persistenceId}: latest snapshot at {at?.ToString() ?? "none"}, {lastEvent} events");
        Assert.Null(SnapshotOf(persistenceId, at!.Value - 1));
        Assert.Equal(Enumerable.Range((int)at.Value + 1, (int)(lastEvent - at.Value)).Select(i => (long)i), JournalOf(persistenceId));
    }, Wait, TimeSpan.FromMilliseconds(100));

    protected static string Json(object o) => JsonSerializer.Serialize(o, o.GetType(), FleetJson.Options);
}
