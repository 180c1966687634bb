using System.Net;
using Fleet.Cloud.Enrolment;

namespace Fleet.Cloud.Node.Tests.Enrolment;

public sealed class RedeemLimiterTests
{
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly RedeemLimits Limits = RedeemLimits.Default;

    private static (RedeemLimiter Limiter, Clock Clock) New()
    {
        var clock = new Clock(T0);
        return (new RedeemLimiter(Limits, clock), clock);
    }

    [Fact]
    public void Five_failed_guesses_at_one_device_id_lock_it_for_fifteen_minutes_whatever_the_address()
    {
        var (limiter, clock) = New();
        for (var i = 0; i < Limits.PerDevice; i++) Assert.Null(limiter.Admit("kiosk-1", $"10.0.0.{i}"));
        var throttled = limiter.Admit("kiosk-1", "10.0.1.1");
        Assert.NotNull(throttled);
        Assert.Equal(TimeSpan.FromMinutes(15), throttled.RetryAfter);
        Assert.Contains("device 'kiosk-1'", throttled.Reason);
        Assert.Null(limiter.Admit("kiosk-2", "10.0.1.1")); // another device id is not held up

        clock.Now = T0 + Limits.DeviceWindow - TimeSpan.FromSeconds(1);
        Assert.Equal(TimeSpan.FromSeconds(1), limiter.Admit("kiosk-1", "10.0.1.1")!.RetryAfter);
        clock.Now = T0 + Limits.DeviceWindow;
        Assert.Null(limiter.Admit("kiosk-1", "10.0.1.1"));
    }

    [Fact]
    public void Thirty_attempts_a_minute_from_one_address_then_it_waits_for_the_rest_of_the_minute()
    {
        var (limiter, clock) = New();
        for (var i = 0; i < Limits.PerClient; i++) Assert.Null(limiter.Admit($"probe-{i}", "203.0.113.7"));
        clock.Now = T0.AddSeconds(20.5);
        var throttled = limiter.Admit("probe-new", "203.0.113.7");
        Assert.NotNull(throttled);
        Assert.Equal(TimeSpan.FromSeconds(40), throttled.RetryAfter); // whole seconds, rounded up
        Assert.Contains("from 203.0.113.7", throttled.Reason);
        Assert.Null(limiter.Admit("probe-new", "203.0.113.8"));

        clock.Now = T0 + Limits.ClientWindow;
        Assert.Null(limiter.Admit("probe-new", "203.0.113.7"));
    }

    [Fact]
    public void Only_failures_use_up_a_limit_a_redeem_that_worked_gives_its_attempt_back()
    {
        var (limiter, _) = New();
        for (var i = 0; i < 20; i++)
        {
            Assert.Null(limiter.Admit("kiosk-1", "10.0.0.1"));
            limiter.Succeeded("kiosk-1", "10.0.0.1");
        }
        for (var i = 0; i < Limits.PerDevice; i++) Assert.Null(limiter.Admit("kiosk-1", "10.0.0.1"));
        Assert.NotNull(limiter.Admit("kiosk-1", "10.0.0.1"));
    }

    [Fact]
    public void A_throttled_attempt_counts_against_nothing()
    {
        var (limiter, clock) = New();
        for (var i = 0; i < Limits.PerClient; i++) Assert.Null(limiter.Admit($"probe-{i}", "10.0.0.1"));
        for (var i = 0; i < 100; i++) Assert.NotNull(limiter.Admit("kiosk-1", "10.0.0.1"));
        for (var i = 0; i < Limits.PerDevice; i++) Assert.Null(limiter.Admit("kiosk-1", "10.0.0.2"));
        clock.Now = T0 + Limits.ClientWindow; // the address's minute is over: nothing was added to it while it waited
        for (var i = 0; i < Limits.PerClient; i++) Assert.Null(limiter.Admit(null, "10.0.0.1"));
    }

    [Fact]
    public void A_code_that_does_not_parse_counts_against_its_address_only()
    {
        var (limiter, _) = New();
        for (var i = 0; i < Limits.PerClient; i++) Assert.Null(limiter.Admit(null, "10.0.0.1"));
        Assert.NotNull(limiter.Admit(null, "10.0.0.1"));
        Assert.Null(limiter.Admit(null, "10.0.0.2"));
    }

    [Fact]
    public void A_new_code_from_an_operator_lifts_the_lock_on_its_device()
    {
        var (limiter, _) = New();
        for (var i = 0; i < Limits.PerDevice; i++) Assert.Null(limiter.Admit("kiosk-1", $"10.0.0.{i}"));
        Assert.NotNull(limiter.Admit("kiosk-1", "10.0.0.9"));
        limiter.Forget("kiosk-1");
        Assert.Null(limiter.Admit("kiosk-1", "10.0.0.9"));
    }

    [Fact]
    public void A_parallel_burst_gets_exactly_the_limit_through()
    {
        var (limiter, _) = New();
        var admitted = 0;
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (limiter.Admit($"probe-{i % 50}", "10.0.0.1") is null) Interlocked.Increment(ref admitted);
        });
        Assert.Equal(Limits.PerClient, admitted);
    }

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void An_address_is_counted_as_itself_or_by_its_ipv6_64(string address, string key) =>
        Assert.Equal(key, RedeemLimiter.ClientOf(IPAddress.Parse(address)));

    [Fact]
    public void A_connection_without_an_address_is_counted_as_unknown() => Assert.Equal("unknown", RedeemLimiter.ClientOf(null));
}
