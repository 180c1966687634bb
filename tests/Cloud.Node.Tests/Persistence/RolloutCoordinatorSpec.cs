using Akka.Actor;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Rollouts;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Commands;
using Fleet.Shared.Devices;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Security;
using static Fleet.Shared.Rollouts.RolloutCommands;

namespace Fleet.Cloud.Node.Tests.Persistence;

/// <summary>
/// The rollout coordinator started again recovers each rollout's definition, status and history from snapshot and
/// journal, beside a real campaign store that resolves the model it rolls out. No device is enrolled and the tick is an
/// hour: only the operators' actions change the rollout.
/// </summary>
public sealed class RolloutCoordinatorSpec : PersistentActorSpec
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-rollout-spec-").FullName;
    private readonly IActorRef _store;

    public RolloutCoordinatorSpec()
    {
        _store = Sys.ActorOf(CampaignStoreActor.Props(SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "keys"))));
        _store.Tell(new CampaignCommands.PublishModel("minilm", "1.0.1", new string('a', 64), 90, "op"), TestActor);
        ExpectMsg<CampaignReplies.ModelPublished>(Wait);
    }

    private IActorRef Coordinator() => Sys.ActorOf(RolloutCoordinator.Props(_ => Task.FromResult<IReadOnlyList<DeviceReplies.DeviceView>>([]), TimeSpan.FromHours(1),
        _store, telemetry: ActorRefs.Nobody)); // the hourly tick never reads telemetry here

    private static Start Model() => new(RolloutArtifact.Parse("model:minilm@1.0.1"), [10, 50, 100], TimeSpan.FromMinutes(5), new Dictionary<string, string>(),
        [], 20, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), "op", "faster model");

    private RolloutView Do(IActorRef rollouts, RolloutAction action)
    {
        rollouts.Tell(new Act("r1", action, "operator says so", "op"), TestActor);
        return ExpectMsg<RolloutView>(Wait);
    }

    [Fact]
    public void Started_again_it_shows_the_same_rollout_goes_on_from_its_status_and_its_journal_keeps_only_events_after_the_snapshot()
    {
        var first = Coordinator();
        first.Tell(Model(), TestActor);
        Assert.Equal("r1", ExpectMsg<RolloutView>(Wait).Id);
        for (var i = 1; i <= 11; i++) Assert.Equal(i % 2 == 1 ? RolloutStatus.Paused : RolloutStatus.Running, Do(first, i % 2 == 1 ? RolloutAction.Pause : RolloutAction.Resume).Status);
        var before = first.Ask<RolloutList>(List.Instance, Wait).Result;
        AssertOnlyEventsAfterTheLatestSnapshot("rollouts", lastEvent: 12);
        StopAndWait(first);

        var again = Coordinator();
        Assert.Equal(Json(before), Json(again.Ask<RolloutList>(List.Instance, Wait).Result));
        // Recovered as paused: pausing again is refused, resuming is not; the model's rollout is still the active one.
        again.Tell(new Act("r1", RolloutAction.Pause, "again", "op"), TestActor);
        Assert.Equal(RefusalCode.Conflict, ExpectMsg<Refused>(Wait).Code);
        Assert.Equal(RolloutStatus.Running, Do(again, RolloutAction.Resume).Status);
        again.Tell(Model(), TestActor);
        Assert.Equal(RefusalCode.Conflict, ExpectMsg<Refused>(Wait).Code);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
