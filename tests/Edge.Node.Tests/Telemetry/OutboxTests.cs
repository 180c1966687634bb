using Fleet.Edge.Telemetry;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Node.Tests.Telemetry;

public sealed class OutboxTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fleet-outbox-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static TelemetryAggregate Minute(int m, int renders) => MinuteFold.Seal(
        Enumerable.Range(0, renders).Select(i => SyntheticTelemetry.Render(i)).Aggregate(OpenMinute.For(T0.AddMinutes(m)), MinuteFold.Add), 5);

    [Fact]
    public void An_open_minute_survives_reopening_and_seals_get_increasing_seqs()
    {
        using (var outbox = Outbox.Open(_dir))
        {
            var m = Enumerable.Range(0, 3).Select(i => SyntheticTelemetry.Render(i)).Aggregate(OpenMinute.For(T0), MinuteFold.Add);
            outbox.SaveOpen(m);
        } // closed without sealing, as after a crash

        using var reopened = Outbox.Open(_dir);
        var open = Assert.Single(reopened.LoadOpen());
        Assert.Equal(3, open.Renders);
        Assert.Equal(1, reopened.Seal(open.Start, MinuteFold.Seal(open, 5)));
        Assert.Equal(2, reopened.Seal(T0.AddMinutes(1), Minute(1, 2)));
        Assert.Empty(reopened.LoadOpen());
        Assert.Equal(2, reopened.Newest()!.Seq); // newest first
        reopened.Acknowledge(2);
        Assert.Equal(1, reopened.Newest()!.Seq);
        Assert.Equal(3, reopened.Newest()!.Renders);
    }

    [Fact]
    public void Over_the_cap_unsent_minutes_roll_up_into_hours_with_exact_counts()
    {
        using var outbox = Outbox.Open(_dir, capBytes: 6_000);
        var sent = 0L;
        for (var m = 0; m < 30; m++)
        {
            var seq = outbox.Seal(T0.AddMinutes(m), Minute(m, 2));
            if (m == 0) { outbox.MarkSent(seq); sent = seq; }
        }
        var all = outbox.All();
        Assert.True(outbox.Size().Bytes <= 6_000, $"outbox holds {outbox.Size().Bytes} bytes");
        Assert.Equal(60, all.Sum(e => e.Renders + e.DroppedRenders)); // nothing vanished silently
        Assert.Contains(all, e => e.Minutes == 60 && e.Covers.Count > 0);
        var first = Assert.Single(all, e => e.Seq == sent);
        Assert.Equal(1, first.Minutes); // a sent entry may already be in the cloud: never rolled up
        var seqs = all.SelectMany(e => e.Covers.Append(e.Seq)).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), seqs); // every seq accounted for exactly once
    }

    [Fact]
    public void When_even_roll_ups_do_not_fit_the_oldest_become_tombstones_that_count_what_was_lost()
    {
        using var outbox = Outbox.Open(_dir, capBytes: 1_500);
        for (var h = 0; h < 6; h++)
            for (var m = 0; m < 3; m++)
                outbox.Seal(T0.AddHours(h).AddMinutes(m), Minute(h * 60 + m, 1));
        var all = outbox.All();
        Assert.True(outbox.Size().Bytes <= 1_500);
        Assert.Contains(all, e => e.Aggregate is null && e.DroppedRenders > 0);
        Assert.Equal(18, all.Sum(e => e.Renders + e.DroppedRenders));
        Assert.Equal(Enumerable.Range(1, 18).Select(i => (long)i), all.SelectMany(e => e.Covers.Append(e.Seq)).Order());
        Assert.True(all.Where(e => e.Aggregate is null).Max(e => e.PeriodStart) <= all.Where(e => e.Aggregate is not null).Min(e => e.PeriodStart),
            "the oldest data goes first");
    }
}
