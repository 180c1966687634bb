using Fleet.Cloud.Devices;
using Fleet.Shared.Commands;
using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Node.Tests.Devices;

/// <summary>The check asked before the fleet CA signs: the same verdict as the redeem, and never an event.</summary>
public sealed class EnrolmentCodeCheckTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Tags = new() { ["store"] = "lisbon" };
    private const string Good = "aa11";

    private static DeviceState Run(DeviceState s, IEnumerable<IFleetEvent> events) => events.Aggregate(s, (acc, e) => acc.Apply(e));

    private static DeviceState WithCode() =>
        Run(new DeviceState("kiosk-1"), new DeviceState("kiosk-1").Handle(new DeviceCommands.IssueEnrolmentCode("kiosk-1", Good, T0.AddMinutes(15), Tags), T0).Events);

    private static object Check(DeviceState s, string hash, DateTimeOffset at) => s.Handle(new DeviceCommands.CheckEnrolmentCode(s.DeviceId, hash), at);

    private static DeviceState Redeemed(DeviceState s) =>
        Run(s, s.Handle(new DeviceCommands.RedeemEnrolmentCode(s.DeviceId, Good, "0A1B", T0.AddYears(2)), T0.AddMinutes(1)).Events);

    private static DeviceState Revoked(DeviceState s) => Run(s, s.Handle(new DeviceCommands.Revoke(s.DeviceId, "admin"), T0).Events);

    [Fact]
    public void The_issued_code_passes_the_check_with_its_tags_and_changes_nothing()
    {
        var s = WithCode();
        var ok = Assert.IsType<DeviceReplies.EnrolmentAccepted>(Check(s, Good, T0.AddMinutes(1)));
        Assert.Equal("lisbon", ok.Tags["store"]);
        Assert.IsType<DeviceReplies.EnrolmentAccepted>(Check(s, Good, T0.AddMinutes(2))); // asking twice uses nothing up
    }

    [Theory]
    [InlineData("wrong hash", "unknown or already used")]
    [InlineData("unknown device", "unknown or already used")]
    [InlineData("expired", "expired at")]
    [InlineData("used", "unknown or already used")]
    [InlineData("revoked", "is revoked")]
    public void A_bad_code_is_refused_by_the_check_for_the_reason_the_redeem_would_give(string why, string reason)
    {
        var (state, hash, at) = why switch
        {
            "wrong hash" => (WithCode(), "bb22", T0.AddMinutes(1)),
            "unknown device" => (new DeviceState("nobody"), Good, T0),
            "expired" => (WithCode(), Good, T0.AddMinutes(16)),
            "used" => (Redeemed(WithCode()), Good, T0.AddMinutes(2)),
            _ => (Revoked(WithCode()), Good, T0.AddMinutes(1)),
        };
        var refused = Assert.IsType<Refused>(Check(state, hash, at));
        Assert.Contains(reason, refused.Reason);
        var (redeem, events) = state.Handle(new DeviceCommands.RedeemEnrolmentCode(state.DeviceId, hash, "0A1B", T0.AddYears(2)), at);
        Assert.Equal(refused, redeem);
        Assert.Empty(events);
    }

    [Fact]
    public void The_check_and_the_redeem_agree_on_every_state_code_and_time()
    {
        var states = new[] { new DeviceState("kiosk-1"), WithCode(), Redeemed(WithCode()), Revoked(WithCode()) };
        var hashes = new[] { Good, "bb22", "", Good.ToUpperInvariant() };
        var times = new[] { T0, T0.AddMinutes(15), T0.AddMinutes(15).AddTicks(1), T0.AddDays(1) };
        foreach (var s in states)
            foreach (var h in hashes)
                foreach (var t in times)
                {
                    var check = Check(s, h, t);
                    var (redeem, events) = s.Handle(new DeviceCommands.RedeemEnrolmentCode(s.DeviceId, h, "0A1B", T0.AddYears(2)), t);
                    Assert.Equal(check.GetType(), redeem.GetType());
                    Assert.Equal(check is DeviceReplies.EnrolmentAccepted ? 1 : 0, events.Count);
                }
    }

    [Fact]
    public void A_code_that_passed_the_check_still_works_only_once_when_two_redeems_race()
    {
        var s = WithCode();
        Assert.IsType<DeviceReplies.EnrolmentAccepted>(Check(s, Good, T0.AddMinutes(1)));
        Assert.IsType<DeviceReplies.EnrolmentAccepted>(Check(s, Good, T0.AddMinutes(1)));
        var first = Redeemed(s);
        var (second, events) = first.Handle(new DeviceCommands.RedeemEnrolmentCode("kiosk-1", Good, "0C0D", T0.AddYears(2)), T0.AddMinutes(1));
        Assert.IsType<Refused>(second);
        Assert.Empty(events);
        Assert.Equal("0A1B", first.CertificateSerial);
    }
}
