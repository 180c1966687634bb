using Fleet.Shared.Resilience;

namespace Fleet.Shared.Tests.Resilience;

public sealed class BackoffTests
{
    private static readonly Backoff Rejoin = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Jitter: 0.2);

    [Fact]
    public void Doubles_from_the_first_delay_and_stops_at_the_maximum()
    {
        var plain = Rejoin with { Jitter = 0 };
        var seconds = Enumerable.Range(1, 7).Select(n => plain.Delay(n).TotalSeconds).ToArray();
        Assert.Equal(new[] { 1.0, 2, 4, 8, 16, 30, 30 }, seconds);
        Assert.Equal(TimeSpan.FromSeconds(30), plain.Delay(int.MaxValue));
        Assert.Equal(TimeSpan.FromSeconds(1), plain.Delay(0));
    }

    [Fact]
    public void Jitter_spreads_each_delay_within_its_fraction_either_side()
    {
        Assert.Equal(TimeSpan.FromSeconds(8 * 0.8), Rejoin.Delay(4, draw: 0));
        Assert.Equal(TimeSpan.FromSeconds(8), Rejoin.Delay(4, draw: 0.5));
        Assert.Equal(TimeSpan.FromSeconds(30 * 1.2), Rejoin.Delay(9, draw: 1));

        var drawn = Enumerable.Range(0, 200).Select(_ => Rejoin.Delay(4).TotalSeconds).ToList();
        Assert.All(drawn, s => Assert.InRange(s, 8 * 0.8, 8 * 1.2));
        // Spread, not one value: devices that failed together come back apart.
        Assert.True(drawn.Max() - drawn.Min() > 1, $"200 draws spread only {drawn.Max() - drawn.Min():0.###} s");
    }

    [Fact]
    public void Refuses_a_backoff_that_cannot_work()
    {
        Assert.Throws<ArgumentException>(() => new Backoff(TimeSpan.Zero, TimeSpan.FromSeconds(1)).Delay(1));
        Assert.Throws<ArgumentException>(() => new Backoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)).Delay(1));
        Assert.Throws<ArgumentException>(() => new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), Jitter: 1.5).Delay(1));
    }
}
