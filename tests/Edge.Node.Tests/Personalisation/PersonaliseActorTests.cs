using Akka.Actor;
using Akka.TestKit.Xunit2;
using Fleet.Edge.Personalisation;
using Fleet.Shared.Personalisation.Embedding;
using static Fleet.Edge.Personalisation.PersonaliseProtocol;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class PersonaliseActorTests : TestKit
{
    [Fact]
    public void Replies_personalised_copy_and_records_outcomes()
    {
        var dir = ModelFixtures.DataDir();
        var chooser = ChooserFixture.Create(dataDir: dir);
        var actor = Sys.ActorOf(PersonaliseActor.Props(chooser), ActorNames.Edge.Personalise);

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

    [Fact]
    public void A_model_no_render_uses_has_its_session_closed_the_one_in_use_never_and_a_closed_one_opens_again_when_needed()
    {
        var builtIn = new MiniLmOptions(ModelFixtures.ModelCopyDir());
        var rollout = ModelFixtures.ModelCopyDir();
        var actor = Sys.ActorOf(PersonaliseActor.Props(ChooserFixture.Create(embedder: MiniLmEmbedder.For(builtIn)), TimeSpan.FromSeconds(1)));
        CopyChoice Choose(string? modelDir)
        {
            actor.Tell(new ChooseCopy(CoffeeCampaign.Spec(), "v1", CoffeeCampaign.Coffee, modelDir));
            var choice = ExpectMsg<CopyChoice>(TimeSpan.FromSeconds(20));
            Assert.Empty(choice.Fallbacks);
            return choice;
        }

        Choose(null);
        var builtInSession = MiniLmEmbedder.For(builtIn);
        Choose(rollout);
        var rolloutSession = MiniLmEmbedder.For(new MiniLmOptions(rollout));
        // Every render now uses the rollout's model: the built-in one is closed after a second unused; the one in use stays.
        AwaitAssert(() => Assert.NotSame(builtInSession, MiniLmEmbedder.For(builtIn)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        Assert.Same(rolloutSession, MiniLmEmbedder.For(new MiniLmOptions(rollout)));
        actor.Tell(GetProvider.Instance);
        Assert.Equal("cpu", ExpectMsg<ProviderStatus>(TimeSpan.FromSeconds(20)).Provider);

        // A render that needs the built-in model again opens it; then the rollout's one is the unused model.
        Assert.Equal("cpu", Choose(null).Provider);
        AwaitAssert(() => Assert.NotSame(rolloutSession, MiniLmEmbedder.For(new MiniLmOptions(rollout))), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
    }
}
