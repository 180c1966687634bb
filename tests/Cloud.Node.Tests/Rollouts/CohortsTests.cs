using Fleet.Cloud.Rollouts;

namespace Fleet.Cloud.Node.Tests.Rollouts;

public sealed class CohortsTests
{
    private static List<string> Devices(int n, int seed = 0) => Enumerable.Range(0, n).Select(i => $"dev-{seed}-{i}").ToList();

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 20, 1)]
    [InlineData(5, 20, 1)]
    [InlineData(25, 20, 5)]
    [InlineData(100, 20, 20)]
    [InlineData(1, 1000, 10)]
    public void A_stage_takes_the_ceiling_of_its_share_so_small_fleets_still_get_a_canary(double percent, int fleet, int expected) =>
        Assert.Equal(expected, Cohorts.Select(Devices(fleet), "r1", percent, Array.Empty<string>()).Count);

    [Fact]
    public void Cohorts_are_deterministic_and_depend_on_the_rollout()
    {
        var devices = Devices(200);
        var a = Cohorts.Select(devices, "rollout-a", 5, Array.Empty<string>());
        Assert.True(a.SetEquals(Cohorts.Select(Enumerable.Reverse(devices), "rollout-a", 5, Array.Empty<string>())));
        Assert.False(a.SetEquals(Cohorts.Select(devices, "rollout-b", 5, Array.Empty<string>())));
    }

    [Fact]
    public void Every_stage_contains_the_previous_one_even_when_devices_join_or_leave()
    {
        var rnd = new Random(7);
        for (var trial = 0; trial < 50; trial++)
        {
            var fleet = Devices(rnd.Next(1, 120), trial);
            IReadOnlySet<string> cohort = new HashSet<string>();
            foreach (var stage in new[] { 1.0, 5, 25, 100 })
            {
                fleet.AddRange(Devices(rnd.Next(0, 10), 1000 + trial * 10 + (int)stage)); // late joiners
                var next = Cohorts.Select(fleet, $"r{trial}", stage, cohort);
                Assert.True(cohort.IsSubsetOf(next), $"trial {trial}: a device left the cohort at {stage}%");
                cohort = next;
            }
            Assert.True(fleet.All(cohort.Contains), "100% covers every eligible device");
        }
    }

    [Fact]
    public void Positions_spread_evenly()
    {
        var positions = Devices(4000).Select(d => Cohorts.Position(d, "spread")).ToList();
        Assert.All(positions, p => Assert.InRange(p, 0, 1));
        Assert.InRange(positions.Count(p => p < 0.25), 850, 1150);
    }
}
