using Fleet.Bench;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class FleetLearningSimulationTests
{
    [Fact]
    public void A_device_starting_from_the_fleet_prior_loses_fewer_clicks_than_one_learning_alone_on_the_same_contexts()
    {
        var r = LearningBenchmark.Run(new LearningBenchmark.Options(Devices: 8, Impressions: 1000, Seed: 3));
        Assert.True(r.BestCtr > r.UniformCtr);
        Assert.True(r.WithFleetPrior.RegretAt[1000] < r.Alone.RegretAt[1000] * LearningBenchmark.BudgetRegretRatio,
            $"regret with prior {r.WithFleetPrior.RegretAt[1000]:0.0} vs alone {r.Alone.RegretAt[1000]:0.0}");
        Assert.True(r.WithFleetPrior.MeanCtr > r.Alone.MeanCtr);
        Assert.Equal(4 * 6, r.PriorRows);
    }
}
