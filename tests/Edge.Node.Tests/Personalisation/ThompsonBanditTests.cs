using Fleet.Edge.Personalisation.Bandit;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class ThompsonBanditTests
{
    private static int Wins(int index, double[] sims, VariantStats[] stats, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, 1000).Count(_ => ThompsonBandit.Rank(sims, stats, new BanditOptions(), rng)[0] == index);
    }

    [Fact]
    public void Without_outcomes_the_clearly_most_similar_variant_wins()
    {
        Assert.True(Wins(0, [0.50, 0.35, 0.20], [VariantStats.None, VariantStats.None, VariantStats.None], 3) >= 990);
    }

    [Fact]
    public void Close_candidates_are_both_explored()
    {
        var wins = Wins(1, [0.50, 0.49], [VariantStats.None, VariantStats.None], 4);
        Assert.InRange(wins, 150, 850);
    }

    [Fact]
    public void Clicks_outweigh_the_similarity_prior()
    {
        var wins = Wins(1, [0.50, 0.35], [new VariantStats(300, 3), new VariantStats(300, 150)], 5);
        Assert.True(wins >= 990, wins.ToString());
    }

    [Fact]
    public void Same_seed_gives_the_same_ranking()
    {
        double[] sims = [0.3, 0.31, 0.29, 0.3];
        var stats = sims.Select(_ => VariantStats.None).ToArray();
        Assert.Equal(ThompsonBandit.Rank(sims, stats, new(), new Random(9)), ThompsonBandit.Rank(sims, stats, new(), new Random(9)));
    }

    [Fact]
    public void Beta_samples_have_the_expected_mean()
    {
        var rng = new Random(11);
        var mean = Enumerable.Range(0, 20_000).Average(_ => BetaSampler.Sample(2, 6, rng));
        Assert.Equal(0.25, mean, 2);
        var small = Enumerable.Range(0, 20_000).Average(_ => BetaSampler.Sample(0.5, 0.5, rng));
        Assert.Equal(0.5, small, 1);
    }
}
