using Akka.Actor;
using Akka.TestKit.Xunit2;
using Fleet.Edge.Personalisation;
using Fleet.Shared.Personalisation.Embedding;
using static Fleet.Edge.Personalisation.PersonaliseProtocol;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class PersonaliseActorTests : TestKit
{
    [Fact]
    public void Replies_personalised_copy_and_records_outcomes()
    {
        var dir = ModelFixtures.DataDir();
        var chooser = ChooserFixture.Create(dataDir: dir);
        var actor = Sys.ActorOf(PersonaliseActor.Props(chooser), PersonaliseActor.Name);

        actor.Tell(new ChooseCopy(CoffeeCampaign.Spec(), "v1", CoffeeCampaign.Coffee));
        var choice = ExpectMsg<CopyChoice>(TimeSpan.FromSeconds(10));
        Assert.Equal("h-coffee", choice.HeadlineId);
        Assert.Equal("cpu", choice.Provider);

        actor.Tell(new RecordImpression("sunco-spring", "h-coffee", "bob"));
        actor.Tell(new RecordClick("sunco-spring", "h-coffee", "bob"));
        actor.Tell(GetProvider.Instance);
        Assert.Equal("cpu", ExpectMsg<ProviderStatus>().Provider);
        Assert.Equal(new Fleet.Edge.Personalisation.Bandit.VariantStats(1, 1), chooser.Outcomes.Get("sunco-spring", "h-coffee"));
    }

    [Fact]
    public void A_corrupt_model_still_gets_an_ad_with_the_default_copy()
    {
        var embedder = MiniLmEmbedder.For(new MiniLmOptions(ModelFixtures.CorruptModelDir()));
        var actor = Sys.ActorOf(PersonaliseActor.Props(ChooserFixture.Create(embedder: embedder)));

        actor.Tell(new ChooseCopy(CoffeeCampaign.Spec(), "v1", CoffeeCampaign.Coffee));
        var choice = ExpectMsg<CopyChoice>(TimeSpan.FromSeconds(10));
        Assert.Equal(("default-headline", "Welcome to SunCo Harbour"), (choice.HeadlineId, choice.Headline));
        Assert.Contains("personalise:default-copy:model-corrupt", choice.Fallbacks);

        actor.Tell(GetProvider.Instance);
        var status = ExpectMsg<ProviderStatus>();
        Assert.Equal(("none", "model-corrupt"), (status.Provider, status.ModelError));
    }

    [Fact]
    public void Preview_goes_through_the_actor()
    {
        var actor = Sys.ActorOf(PersonaliseActor.Props(ChooserFixture.Create()));
        actor.Tell(new PreviewCopy(CoffeeCampaign.Spec(), "h-umbrella", "c-visit", CoffeeCampaign.Rain));
        var choice = ExpectMsg<CopyChoice>(TimeSpan.FromSeconds(10));
        Assert.Equal(("Stay dry: umbrellas in stock", "Visit SunCo Harbour today"), (choice.Headline, choice.Cta));
    }
}
