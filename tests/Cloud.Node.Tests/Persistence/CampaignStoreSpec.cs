using Akka.Actor;
using Fleet.Cloud.Campaigns;
using Fleet.Shared.Commands;
using Fleet.Shared.Security;
using static Fleet.Shared.Campaigns.CampaignCommands;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Node.Tests.Persistence;

/// <summary>The campaign store started again recovers its published models from snapshot and journal; versions stay immutable.</summary>
public sealed class CampaignStoreSpec : PersistentActorSpec
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-campaign-spec-").FullName;

    private Akka.Actor.IActorRef Start() => Sys.ActorOf(CampaignStoreActor.Props(SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "keys"))));

    private static string Sha(int i) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([(byte)i]));

    [Fact]
    public void Started_again_it_lists_the_same_models_refuses_to_change_one_and_its_journal_keeps_only_events_after_the_snapshot()
    {
        var first = Start();
        for (var i = 1; i <= 12; i++)
        {
            first.Tell(new PublishModel("minilm", $"1.0.{i}", Sha(i), 1000 + i, "op"), TestActor);
            Assert.True(ExpectMsg<ModelPublished>(Wait).Created);
        }
        var before = first.Ask<ModelList>(ListModels.Instance, Wait).Result;
        AssertOnlyEventsAfterTheLatestSnapshot("campaigns", lastEvent: 12);
        StopAndWait(first);

        var again = Start();
        Assert.Equal(Json(before), Json(again.Ask<ModelList>(ListModels.Instance, Wait).Result));
        // A version recovered from the snapshot is as immutable as before: other bytes under its name are refused.
        again.Tell(new PublishModel("minilm", "1.0.3", Sha(99), 1, "op"), TestActor);
        Assert.Equal(RefusalCode.Conflict, ExpectMsg<Refused>(Wait).Code);
        again.Tell(new PublishModel("minilm", "1.0.3", Sha(3), 1003, "op"), TestActor);
        Assert.False(ExpectMsg<ModelPublished>(Wait).Created);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
