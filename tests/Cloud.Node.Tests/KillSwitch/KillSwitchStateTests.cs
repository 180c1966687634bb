using Fleet.Cloud.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Serialization;
using static Fleet.Shared.KillSwitch.KillCommands;

namespace Fleet.Cloud.Node.Tests.KillSwitch;

public sealed class KillSwitchStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private static readonly KillScope Model = KillScope.Parse("model:minilm@1.2.0");

    private static KillSwitchState Apply(KillSwitchState s, IReadOnlyList<IFleetEvent> events) => events.Aggregate(s, (acc, e) => acc.Apply(e));

    private static KillSwitchState Engaged(out KillDirective directive)
    {
        var (result, events) = new KillSwitchState().Handle(new Engage(Model, "bad output", "sre-1"), T0);
        directive = result.Directive!;
        return Apply(new KillSwitchState(), events);
    }

    [Fact]
    public void Every_engage_and_release_raises_the_epoch_by_one()
    {
        var s = Engaged(out var d);
        Assert.Equal(1, d.Epoch);
        Assert.Equal("kill-1", d.Id);
        var (r2, e2) = s.Handle(new Engage(KillScope.AllGenerative, "panic", "sre-1"), T0);
        s = Apply(s, e2);
        var (r3, e3) = s.Handle(new Release("kill-1", "fixed", "sre-2"), T0.AddMinutes(1));
        s = Apply(s, e3);
        Assert.Equal(2, r2.Epoch);
        Assert.Equal(3, r3.Epoch);
        Assert.Equal(3, s.Epoch);
        Assert.Equal(new[] { "kill-2" }, s.Policy(T0).Active.Select(x => x.Id));
    }

    [Fact]
    public void The_same_scope_cannot_be_killed_twice_and_nothing_changes()
    {
        var s = Engaged(out _);
        var (result, events) = s.Handle(new Engage(Model, "again", "sre-1"), T0);
        Assert.Contains("already killed by kill-1", result.Error);
        Assert.Empty(events);
    }

    [Theory]
    [InlineData("kill-9", "no kill kill-9")]
    [InlineData("kill-1", "already released")]
    public void Unknown_or_released_kills_cannot_be_released(string id, string error)
    {
        var s = Engaged(out _);
        s = Apply(s, s.Handle(new Release("kill-1", "ok", "sre"), T0).Events);
        var (result, events) = s.Handle(new Release(id, "ok", "sre"), T0);
        Assert.Contains(error, result.Error);
        Assert.Empty(events);
    }

    [Fact]
    public void A_reason_is_required()
    {
        Assert.NotNull(new KillSwitchState().Handle(new Engage(Model, " ", "sre"), T0).Result.Error);
    }

    [Fact]
    public void Acknowledgements_only_move_forward_and_never_past_the_current_epoch()
    {
        var s = Engaged(out _);
        Assert.Null(s.Handle(new Ack("kiosk-1", 2, T0), T0));            // an epoch that does not exist
        s = s.Apply(s.Handle(new Ack("kiosk-1", 1, T0), T0.AddMilliseconds(40))!);
        Assert.Equal(1, s.Acks["kiosk-1"].Epoch);
        Assert.Null(s.Handle(new Ack("kiosk-1", 1, T0), T0.AddSeconds(1))); // a repeat
        Assert.Null(s.Handle(new Ack("kiosk-1", 0, T0), T0.AddSeconds(1))); // a stale one
    }

    [Fact]
    public void A_batch_of_acknowledgements_applies_each_and_the_later_of_one_devices_two_wins()
    {
        var s = Engaged(out _);
        s = s.Apply(new KillEvents.AckedBatch([
            new KillEvents.Acked("kiosk-1", 1, T0.AddSeconds(1)),
            new KillEvents.Acked("kiosk-2", 0, T0.AddSeconds(1)),
            new KillEvents.Acked("kiosk-2", 1, T0.AddSeconds(2)),
        ]));
        Assert.Equal((1L, T0.AddSeconds(1)), (s.Acks["kiosk-1"].Epoch, s.Acks["kiosk-1"].ReceivedAt));
        Assert.Equal((1L, T0.AddSeconds(2)), (s.Acks["kiosk-2"].Epoch, s.Acks["kiosk-2"].ReceivedAt));
    }
}
