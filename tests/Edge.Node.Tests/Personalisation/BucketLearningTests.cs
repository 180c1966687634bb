using Fleet.Edge.Personalisation.Bandit;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class BucketLearningTests
{
    private const string Morning = "morning|sun|en|-";
    private const string Evening = "evening|rain|en|-";

    private static int Wins(OutcomeStore store, string bucket, int index, int seed)
    {
        var options = new BanditOptions();
        string[] ids = ["h-a", "h-b", "h-c"];
        var rng = new Random(seed);
        var wins = 0;
        for (var i = 0; i < 1000; i++)
        {
            var stats = ids.Select(id => store.Pooled("c1", bucket, id, options.PoolImpressions)).ToArray();
            if (ThompsonBandit.Rank([0.50, 0.49, 0.48], stats, options, rng)[0] == index) wins++;
        }
        return wins;
    }

    [Fact]
    public void Clicks_in_a_bucket_move_that_bucket_toward_the_clicked_variant_more_than_other_buckets()
    {
        var store = new OutcomeStore(ModelFixtures.DataDir());
        var before = Wins(store, Morning, 2, seed: 7);
        for (var i = 0; i < 400; i++)
        {
            store.Record("c1", Morning, ["h-a"], new VariantStats(Impressions: 1));
            store.Record("c1", Morning, ["h-c"], new VariantStats(Impressions: 1, Clicks: i % 4 == 0 ? 1 : 0));
        }
        var morning = Wins(store, Morning, 2, seed: 7);
        var evening = Wins(store, Evening, 2, seed: 7);
        Assert.True(before < 200, $"before any outcome h-c (least similar) won {before}/1000");
        Assert.True(morning > 900, $"after clicks in the morning bucket h-c won {morning}/1000 there");
        Assert.True(evening < morning && evening > before, $"the evening bucket leans on the pooled evidence only: {before} < {evening} < {morning}");
        Assert.Equal(new VariantStats(400, 100), new OutcomeStore(Path.GetDirectoryName(Path.GetDirectoryName(store.Path))!).Get("c1", Morning, "h-c"));
    }

    [Fact]
    public void Views_to_the_end_are_rewarded_less_than_clicks()
    {
        var s = new VariantStats(100, 2, 50);
        Assert.Equal(7, s.Rewards(0.1), 6);
        Assert.Equal(100, new VariantStats(100, 90, 100).Rewards(0.5), 6);
    }

    [Fact]
    public void An_exploration_share_of_1_ranks_uniformly_whatever_the_evidence()
    {
        var rng = new Random(3);
        var stats = new[] { new VariantStats(1000, 500), VariantStats.None, VariantStats.None };
        var firsts = Enumerable.Range(0, 3000).Select(_ => ThompsonBandit.Rank([0.5, 0.3, 0.2], stats, new BanditOptions(), rng, exploration: 1)[0]).ToList();
        Assert.All(new[] { 0, 1, 2 }, i => Assert.InRange(firsts.Count(f => f == i), 850, 1150));
    }
}
