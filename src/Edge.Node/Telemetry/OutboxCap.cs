namespace Fleet.Edge.Telemetry;

/// <summary>
/// What the outbox gives up when it is over its byte cap, oldest data first and only entries never sent (a sent,
/// unacknowledged entry may already be stored in the cloud, so it is kept as is until acknowledged):
/// 1. the oldest hour that still has separate minute entries is rolled up into one hour entry (counts stay exact;
///    minute resolution is lost);
/// 2. when only roll-ups are left, the oldest entry becomes a tombstone: its data is dropped and the cloud is told how
///    many renders were lost, so it neither waits for them nor counts them.
/// </summary>
internal static class OutboxCap
{
    public static void Enforce(Outbox outbox)
    {
        for (var guard = 0; guard < 10_000 && outbox.Size().Bytes > outbox.CapBytes; guard++)
        {
            var unsent = outbox.Query("SELECT * FROM outbox WHERE sent = 0 ORDER BY seq");
            if (unsent.Count == 0) return;
            if (RollUpOldestHour(outbox, unsent)) continue;
            if (!Tombstone(outbox, unsent)) return;
        }
    }

    private static bool RollUpOldestHour(Outbox outbox, IReadOnlyList<OutboxEntry> unsent)
    {
        var hour = unsent.Where(e => e.Aggregate is not null && e.Minutes < 60)
            .GroupBy(e => HourOf(e.PeriodStart)).Where(g => g.Count() > 1).OrderBy(g => g.Key).FirstOrDefault();
        if (hour is null) return false;
        var parts = hour.ToList();
        var first = parts.MinBy(e => e.Seq)!;
        var merged = Fleet.Shared.Telemetry.TelemetryAggregate.Merge(parts.Select(p => p.Aggregate!).ToList(), hour.Key, 60);
        var covers = parts.SelectMany(p => p.Covers.Append(p.Seq)).Where(s => s != first.Seq).Order().ToArray();
        outbox.Replace(parts, new OutboxEntry(first.Seq, hour.Key, 60, covers, merged, parts.Sum(p => p.Renders), parts.Sum(p => p.DroppedRenders), false));
        return true;
    }

    private static bool Tombstone(Outbox outbox, IReadOnlyList<OutboxEntry> unsent)
    {
        // Merge the two oldest into one tombstone when the oldest already is one, so tombstones never pile up.
        var oldest = unsent[0];
        if (oldest.Aggregate is not null)
        {
            outbox.Replace(new[] { oldest }, oldest with { Aggregate = null, Renders = 0, DroppedRenders = oldest.DroppedRenders + oldest.Renders });
            return true;
        }
        if (unsent.Count < 2) return false;
        var next = unsent[1];
        var covers = oldest.Covers.Concat(next.Covers).Append(next.Seq).Order().ToArray();
        outbox.Replace(new[] { oldest, next }, oldest with
        {
            Covers = covers, Aggregate = null, Renders = 0, DroppedRenders = oldest.DroppedRenders + next.DroppedRenders + next.Renders,
        });
        return true;
    }

    private static DateTimeOffset HourOf(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
}
