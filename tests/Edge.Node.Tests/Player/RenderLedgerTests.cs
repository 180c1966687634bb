using Fleet.Edge.Node.Tests.Personalisation;
using Fleet.Edge.Player;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Node.Tests.Player;

public sealed class RenderLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    public static ShownRender Shown(string id, DateTimeOffset at, string arm = ArmCounts.Personalised) =>
        new(id, "summer-sale", "3", "minilm@2", "summer-sale-tpl", "h-half-price", "c-shop-now", "neutral", "en-us@175", arm, "morning|sun|en|-", at);

    [Fact]
    public void Unknown_ids_are_refused_and_each_slot_counts_once_even_after_a_reopen()
    {
        var dir = ModelFixtures.DataDir();
        var clock = new TestClock(T0);
        var ledger = new RenderLedger(dir, clock: clock);
        ledger.Remember(Shown("r1", T0));
        Assert.IsType<EventVerdict.Unknown>(ledger.Count("nope", PlayerEventKinds.Click));
        var first = Assert.IsType<EventVerdict.Accepted>(ledger.Count("r1", PlayerEventKinds.Click));
        Assert.Equal([PlayerEventKinds.ImpressionStart, PlayerEventKinds.Click], first.Newly);
        for (var i = 0; i < 50; i++) Assert.Empty(Assert.IsType<EventVerdict.Accepted>(ledger.Count("r1", PlayerEventKinds.Click)).Newly);

        var reopened = new RenderLedger(dir, clock: clock);
        Assert.Empty(Assert.IsType<EventVerdict.Accepted>(reopened.Count("r1", PlayerEventKinds.Scan)).Newly);
        Assert.Equal([PlayerEventKinds.Q25], Assert.IsType<EventVerdict.Accepted>(reopened.Count("r1", PlayerEventKinds.Q25)).Newly);
        Assert.Equal("h-half-price", reopened.Find("r1")!.HeadlineId);
    }

    [Fact]
    public void Renders_expire_and_the_ledger_keeps_only_the_newest()
    {
        var dir = ModelFixtures.DataDir();
        var clock = new TestClock(T0);
        var ledger = new RenderLedger(dir, new RenderLedgerOptions(MaxRenders: 3, Expiry: TimeSpan.FromHours(1)), clock);
        for (var i = 1; i <= 5; i++) ledger.Remember(Shown($"r{i}", T0));
        Assert.Equal(3, ledger.Renders);
        Assert.IsType<EventVerdict.Unknown>(ledger.Count("r1", PlayerEventKinds.Click));
        Assert.IsType<EventVerdict.Accepted>(ledger.Count("r5", PlayerEventKinds.Click));
        clock.Now = T0 + TimeSpan.FromHours(1);
        Assert.IsType<EventVerdict.Expired>(ledger.Count("r4", PlayerEventKinds.Click));
        Assert.Equal(3, new RenderLedger(dir, new RenderLedgerOptions(MaxRenders: 3), new TestClock(T0)).Renders);
    }

    [Fact]
    public void A_torn_last_line_is_dropped_and_a_damaged_file_is_set_aside()
    {
        var dir = ModelFixtures.DataDir();
        var ledger = new RenderLedger(dir, clock: new TestClock(T0));
        ledger.Remember(Shown("r1", T0));
        ledger.Remember(Shown("r2", T0));
        File.AppendAllText(ledger.Path, "{\"render_id\":\"r3\",\"camp");
        Assert.Equal(2, new RenderLedger(dir, clock: new TestClock(T0)).Renders);

        File.WriteAllText(ledger.Path, "garbage\n" + File.ReadAllText(ledger.Path));
        var fresh = new RenderLedger(dir, clock: new TestClock(T0));
        Assert.Equal(0, fresh.Renders);
        Assert.True(File.Exists(ledger.Path + ".corrupt"));
    }
}
