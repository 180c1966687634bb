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
}
