using Fleet.Cloud.Telemetry;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Node.Tests.Telemetry;

public sealed class TelemetryStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 6, 0, 0, TimeSpan.Zero);

    private static TelemetryEvents.BatchAccepted Accepted(long seq, DateTimeOffset minute, int renders, params long[] covers) =>
        new("kiosk-1", seq, covers, new Dictionary<string, string>(), "baseline", SyntheticTelemetry.Minute(minute, renders), 0, minute);

    private static TelemetryProtocol.Batch Batch(long seq, params long[] covers) =>
        new("kiosk-1", seq, covers, AggregateCodec.Encode(SyntheticTelemetry.Minute(T0, 1)), 0, new Dictionary<string, string>());

    [Fact]
    public void Seqs_arriving_newest_first_fill_the_watermark_and_replays_are_duplicates()
    {
        var store = TelemetryStore.Empty;
        foreach (var seq in new long[] { 5, 4, 2 }) store = store.Apply(Accepted(seq, T0, 1));
        Assert.Equal(0, store.Devices["kiosk-1"].Seqs.Contiguous);
        store = store.Apply(Accepted(1, T0, 1, 3));
        Assert.Equal(5, store.Devices["kiosk-1"].Seqs.Contiguous);
        Assert.Empty(store.Devices["kiosk-1"].Seqs.Above);
        var agg = SyntheticTelemetry.Minute(T0, 1);
        Assert.IsType<TelemetryStore.Duplicate>(store.Decide(Batch(4), agg, "kiosk-1", false));
        Assert.IsType<TelemetryStore.Accept>(store.Decide(Batch(6), agg, "kiosk-1", false));
        Assert.IsType<TelemetryStore.Reject>(store.Decide(Batch(7, 5), agg, "kiosk-1", false));
    }

    [Fact]
    public void Old_minute_windows_roll_up_into_hours_with_the_same_totals()
    {
        var store = TelemetryStore.Empty;
        for (var m = 0; m < 180; m++) store = store.Apply(Accepted(m + 1, T0.AddMinutes(m), 1 + m % 3));
        var report = (TelemetryStore s) => TelemetryQuery.Report(s, new TelemetryProtocol.Query(null, null, null, 86400), T0.AddHours(3), 0, []);
        var before = report(store).Campaigns.Single();

        var rolled = store.Prune(T0.AddDays(-1), rollUpBefore: T0.AddHours(2));
        var windows = rolled.Devices["kiosk-1"].Windows;
        Assert.Equal(2 + 60, windows.Count); // two hours rolled up, the last hour still per minute
        var after = report(rolled).Campaigns.Single();
        Assert.Equal((before.Renders, before.Impressions, before.Clicks, before.P95Ms), (after.Renders, after.Impressions, after.Clicks, after.P95Ms));
    }

    [Fact]
    public void A_devices_periods_keep_its_resource_readings_merge_partial_batches_of_a_minute_and_survive_roll_up_and_snapshots()
    {
        var store = TelemetryStore.Empty;
        // Two partial batches for minute 0 (a device sealing partial minutes), one for minute 1.
        store = store.Apply(Accepted(1, T0, 2)).Apply(Accepted(2, T0, 1)).Apply(Accepted(3, T0.AddMinutes(1), 4));
        var query = new TelemetryProtocol.Query("kiosk-1", null, null, 86400);
        var periods = TelemetryQuery.Report(store, query, T0.AddMinutes(5), 0, []).Periods!;
        Assert.Equal([(T0, 3L), (T0.AddMinutes(1), 4L)], periods.Select(p => (p.Start, p.Renders)));
        var one = SyntheticTelemetry.Minute(T0, 1).Resources!;
        Assert.Equal(one with { Samples = 2 * one.Samples }, periods[0].Resources);
        Assert.Null(TelemetryQuery.Report(store, query with { Device = null }, T0.AddMinutes(5), 0, []).Periods); // fleet-wide: no per-device series

        var restored = TelemetrySnapshots.Restore(TelemetrySnapshots.Of(store));
        Assert.Equal(one, restored.Devices["kiosk-1"].Windows[2].Resources);
        var rolled = store.Prune(T0.AddDays(-1), rollUpBefore: T0.AddHours(1));
        Assert.Equal(one with { Samples = 3 * one.Samples }, rolled.Devices["kiosk-1"].Windows.Single().Resources);
    }

    [Fact]
    public void A_render_time_histogram_must_time_the_renders_that_ran_or_every_render_as_a_device_before_that_did()
    {
        var minute = SyntheticTelemetry.Minute(T0, 4);
        var g = minute.Groups[0];
        var timesRendered = minute with { Groups = [g with { CacheHits = 1, RenderMs = LatencyHistogram.Empty.Add(250, 3) }] };
        var timesEvery = minute with { Groups = [g with { CacheHits = 1 }] };
        var timesTooFew = minute with { Groups = [g with { CacheHits = 1, RenderMs = LatencyHistogram.Empty.Add(250, 2) }] };
        Assert.Null(TelemetryStore.Malformed(timesRendered));
        Assert.Null(TelemetryStore.Malformed(timesEvery));
        Assert.Equal("render-time histogram does not match the render count", TelemetryStore.Malformed(timesTooFew));
        Assert.Equal("counts do not add up", TelemetryStore.Malformed(minute with { Groups = [g with { CacheHits = -1, RenderMs = LatencyHistogram.Empty.Add(250, 5) }] }));
    }

    [Fact]
    public void Arm_rows_merge_by_arm_and_a_batch_with_impossible_arm_counts_is_rejected()
    {
        var personalised = new ArmCounts(ArmCounts.Personalised, 10, 9, 8, 7, 6, 2, 40_000);
        var holdout = new ArmCounts(ArmCounts.Holdout, 2, 2, 1, 1, 1, 0, 9_000);
        var a = SyntheticTelemetry.Minute(T0, 3);
        var withArms = a with { Groups = [a.Groups[0] with { Arms = [personalised, holdout] }] };
        var merged = GroupAggregate.Merge(withArms.Groups[0], withArms.Groups[0] with { Arms = [personalised] });
        Assert.Equal([ArmCounts.Personalised, ArmCounts.Holdout], merged.Arms!.Select(x => x.Arm));
        Assert.Equal((20L, 4L, 80_000L), (merged.Arms![0].Impressions, merged.Arms[0].Clicks, merged.Arms[0].DwellMsSum));
        Assert.Equal(holdout, merged.Arms[1]);

        var decoded = AggregateCodec.TryDecode(AggregateCodec.Encode(withArms));
        Assert.Equal(withArms.Groups[0].Arms, decoded!.Groups[0].Arms);
        Assert.IsType<TelemetryStore.Accept>(TelemetryStore.Empty.Decide(Batch(1), withArms, "kiosk-1", false));

        var clicksOverImpressions = withArms with { Groups = [a.Groups[0] with { Arms = [personalised with { Clicks = 11 }] }] };
        var unknownArm = withArms with { Groups = [a.Groups[0] with { Arms = [personalised with { Arm = "control" }] }] };
        var twice = withArms with { Groups = [a.Groups[0] with { Arms = [personalised, personalised] }] };
        foreach (var bad in new[] { clicksOverImpressions, unknownArm, twice })
            Assert.IsType<TelemetryStore.Reject>(TelemetryStore.Empty.Decide(Batch(1), bad, "kiosk-1", false));
    }
}
