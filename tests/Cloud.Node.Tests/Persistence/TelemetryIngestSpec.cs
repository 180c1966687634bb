using Fleet.Cloud.Telemetry;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Node.Tests.Persistence;

/// <summary>The telemetry ingest started again knows every batch it stored: a device's resend is a duplicate, not a second count.</summary>
public sealed class TelemetryIngestSpec : PersistentActorSpec
{
    private static readonly Dictionary<string, string> Tags = new() { ["store"] = "berlin" };

    private sealed class OneCohort : ICohortResolver
    {
        public string CohortOf(string deviceId, IReadOnlyDictionary<string, string> tags) => "baseline";
    }

    private Akka.Actor.IActorRef Start() => Sys.ActorOf(TelemetryIngestActor.Props(new OneCohort(), TimeSpan.FromDays(7)));

    // A tombstone (the device's outbox dropped renders): accepted without an aggregate to decode.
    private static TelemetryProtocol.Batch Batch(string device, long seq) => new(device, seq, [], null, 1, Tags);

    private TelemetryProtocol.Ack Send(Akka.Actor.IActorRef ingest, TelemetryProtocol.Batch batch)
    {
        ingest.Tell(batch, TestActor);
        var ack = ExpectMsg<TelemetryProtocol.Ack>(Wait);
        Assert.Equal((batch.DeviceId, batch.Seq), (ack.DeviceId, ack.Seq));
        return ack;
    }

    [Fact]
    public void Started_again_it_takes_resent_batches_as_duplicates_and_its_journal_keeps_only_events_after_the_snapshot()
    {
        var sent = Enumerable.Range(1, 6).SelectMany(seq => new[] { Batch("kiosk-1", seq), Batch("kiosk-2", seq) }).ToList();
        var first = Start();
        Assert.All(sent, b => Assert.False(Send(first, b).Duplicate));
        AssertOnlyEventsAfterTheLatestSnapshot(TelemetryIngestActor.Id, lastEvent: 12);
        StopAndWait(first);

        var again = Start();
        Assert.All(sent, b => Assert.True(Send(again, b).Duplicate, $"{b.DeviceId} seq {b.Seq} counted twice after recovery"));
        Assert.False(Send(again, Batch("kiosk-1", 7)).Duplicate);
    }
}
