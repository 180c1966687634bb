using Akka.Actor;
using Fleet.Cloud.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security;
using Fleet.Shared.Security.Pki;
using static Fleet.Shared.KillSwitch.KillCommands;

namespace Fleet.Cloud.Node.Tests.Persistence;

/// <summary>The kill-switch authority started again recovers its kills, releases and acknowledgements from snapshot and journal.</summary>
public sealed class KillSwitchAuthoritySpec : PersistentActorSpec
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-kill-spec-").FullName;
    private readonly FleetCa _ca;
    private readonly SigningKeyRing _keys;

    public KillSwitchAuthoritySpec()
    {
        _ca = FleetCa.Create(Path.Combine(_dir, "ca", FleetCa.KeyFile));
        _keys = SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "keys"));
    }

    private Akka.Actor.IActorRef Start() => Sys.ActorOf(KillSwitchAuthority.Props(_keys, new TrustUpdateIssuer(_keys, _ca)));

    [Fact]
    public void Started_again_it_holds_the_same_kills_and_acks_and_its_journal_keeps_only_events_after_the_snapshot()
    {
        var first = Start();
        for (var i = 1; i <= 8; i++)
        {
            first.Tell(new Engage(KillScope.Parse($"campaign:sale-{i}"), "bad copy", "sre"), TestActor);
            Assert.Null(ExpectMsg<Result>(Wait).Error);
        }
        first.Tell(new Release("kill-2", "fixed", "sre"), TestActor);
        Assert.Equal(9, ExpectMsg<Result>(Wait).Epoch);
        foreach (var device in new[] { "kiosk-1", "kiosk-2", "kiosk-3" }) first.Tell(new Ack(device, 9, DateTimeOffset.UtcNow), TestActor);
        // Acknowledgements are written without a reply, the three together in one event (the tenth).
        AwaitAssert(() => Assert.Equal(3, first.Ask<State>(GetState.Instance, Wait).Result.Acks.Count), Wait);
        var before = first.Ask<State>(GetState.Instance, Wait).Result;
        AssertOnlyEventsAfterTheLatestSnapshot("kill-switch", lastEvent: 10);
        StopAndWait(first);

        var again = Start();
        Assert.Equal(Json(before), Json(again.Ask<State>(GetState.Instance, Wait).Result));
        // It goes on from where it was: the next kill gets the next epoch and id, and the sync policy is that epoch.
        again.Tell(new Engage(KillScope.Parse("campaign:sale-9"), "bad copy", "sre"), TestActor);
        var next = ExpectMsg<Result>(Wait);
        Assert.Equal((10L, "kill-9"), (next.Epoch, next.Directive!.Id));
        Assert.Equal(10, again.Ask<SignedKillPolicy>(new Sync("kiosk-1"), Wait).Result.Epoch);
    }

    [Fact]
    public void A_storm_of_acknowledgements_is_written_in_a_few_events_and_recovered_whole()
    {
        var first = Start();
        first.Tell(new Engage(KillScope.Parse("all-generative"), "bad model", "sre"), TestActor);
        Assert.Null(ExpectMsg<Result>(Wait).Error);
        const int devices = 2000;
        for (var i = 0; i < devices; i++) first.Tell(new Ack($"kiosk-{i}", 1, DateTimeOffset.UtcNow), TestActor);
        AwaitAssert(() => Assert.Equal(devices, first.Ask<State>(GetState.Instance, Wait).Result.Acks.Count), Wait);
        // The next change writes what is still unwritten before itself: once it is answered, every ack is in the journal.
        first.Tell(new Release("kill-1", "fixed", "sre"), TestActor);
        Assert.Null(ExpectMsg<Result>(Wait).Error);
        var events = HighestSequenceNr("kill-switch");
        Assert.True(events <= 12, $"{devices} acks took {events - 2} events");
        StopAndWait(first);

        var again = Start().Ask<State>(GetState.Instance, Wait).Result;
        Assert.Equal(devices, again.Acks.Count);
        Assert.All(again.Acks.Values, a => Assert.Equal(1, a.Epoch));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _ca.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
