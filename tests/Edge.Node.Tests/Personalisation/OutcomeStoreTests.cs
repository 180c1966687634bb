using Fleet.Edge.Personalisation.Bandit;
using Fleet.Edge.Privacy;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class OutcomeStoreTests
{
    [Fact]
    public void Outcomes_survive_a_reload()
    {
        var dir = ModelFixtures.DataDir();
        var store = new OutcomeStore(dir);
        store.RecordImpression("c1", "h-a");
        store.RecordImpression("c1", "h-a");
        store.RecordClick("c1", "h-a");
        store.RecordImpression("c2", "h-b", "hash-1");

        var reloaded = new OutcomeStore(dir);
        Assert.Equal(new VariantStats(2, 1), reloaded.Get("c1", "h-a"));
        Assert.Equal(new VariantStats(1, 0), reloaded.Get("c2", "h-b"));
        Assert.Equal(VariantStats.None, reloaded.Get("c1", "unknown"));
        Assert.Equal(1, reloaded.Reach("c2"));
    }

    [Fact]
    public void A_damaged_file_is_set_aside_instead_of_blocking_ads()
    {
        var dir = ModelFixtures.DataDir();
        var store = new OutcomeStore(dir);
        store.RecordImpression("c1", "h-a");
        File.WriteAllText(store.Path, "{ not json");
        var reloaded = new OutcomeStore(dir);
        Assert.Equal(VariantStats.None, reloaded.Get("c1", "h-a"));
        Assert.True(File.Exists(store.Path + ".corrupt"));
    }

    [Fact]
    public void The_raw_user_id_never_lands_in_the_outcome_file()
    {
        var dir = ModelFixtures.DataDir();
        var chooser = ChooserFixture.Create(dataDir: dir);
        chooser.RecordImpression("sunco-spring", "h-coffee", "alice@example.com");
        chooser.RecordClick("sunco-spring", "h-coffee", "alice@example.com");

        var file = File.ReadAllText(chooser.Outcomes.Path);
        Assert.DoesNotContain("alice", file, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(new UserIdHasher(dir).Hash("alice@example.com"), file);
        Assert.Equal(1, chooser.Outcomes.Reach("sunco-spring"));
    }
}
