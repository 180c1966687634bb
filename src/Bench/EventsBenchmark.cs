using System.Diagnostics;
using Fleet.Edge.Personalisation.Bandit;
using Fleet.Edge.Player;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Telemetry;

namespace Fleet.Bench;

/// <summary>
/// What one player event costs the device, everything it does for it in turn: the render ledger's check and append
/// (<see cref="PlayerEventsEndpoint.Handle"/>), the bandit's outcome update when the event rewards (impression start,
/// click, complete: a JSON rewrite by rename), the telemetry
/// fold and the outbox upsert of the open minute (SQLite, WAL). HTTP parsing is not included. Each render gets the
/// player's usual sequence (impression start, quartiles, complete, dwell; a click on 1 in 20, sent 3 times).
/// </summary>
public static class EventsBenchmark
{
    /// <summary>Budget per event (p50); exit 1 over it. A kiosk sends ~7 events per 15 s ad, so this is far below 0.1 % of a core.</summary>
    public const double BudgetMicros = 500;

    /// <param name="LedgerMicros">The ledger's part alone (check, append); <paramref name="BanditMicros"/> the outcome update;
    /// (events that reward only); <paramref name="TelemetryMicros"/> fold + outbox upsert (counted events).</param>
    public sealed record Result(int Events, int Counted, Stats Micros, Stats LedgerMicros, Stats BanditMicros, Stats TelemetryMicros, bool WithinBudget);

    public static Result Run(int renders)
    {
        var dir = Path.Combine(Path.GetTempPath(), "fleet-bench-events-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var ledger = new RenderLedger(dir);
            var outcomes = new OutcomeStore(dir);
            using var outbox = Outbox.Open(Path.Combine(dir, "telemetry"));
            var minute = OpenMinute.For(MinuteFold.MinuteOf(DateTimeOffset.UtcNow));
            var now = DateTimeOffset.UtcNow;
            var micros = new List<double>();
            var (ledgerPart, banditPart, telemetryPart) = (new List<double>(), new List<double>(), new List<double>());
            var counted = 0;
            string[] buckets = ["morning|sun|en|-", "afternoon|rain|en|-", "evening|-|de|harbour"];
            for (var i = 0; i < renders; i++)
            {
                // One ad every 15 s on a real kiosk; a new minute every 4 renders keeps the open minute realistic.
                if (i % 4 == 0 && i > 0)
                {
                    outbox.Seal(minute.Start, MinuteFold.Seal(minute, 5));
                    minute = OpenMinute.For(minute.Start.AddMinutes(1));
                }
                var id = $"bench{i:x8}";
                ledger.Remember(new ShownRender(id, "summer-sale", "1.0.0", "minilm", "summer-sale", $"h{i % 7}", $"c{i % 5}", "neutral", "en-us@175",
                    i % 10 == 0 ? ArmCounts.Holdout : ArmCounts.Personalised, buckets[i % 3], now));
                var kinds = new List<(string Kind, long? Dwell)> { ("impression_start", null), ("q25", null), ("q50", null), ("q75", null), ("complete", null), ("dwell", 4000 + i % 3000) };
                if (i % 20 == 0) kinds.AddRange([("click", null), ("click", null), ("click", null)]);
                foreach (var (kind, dwell) in kinds)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    PlayerOutcome? outcome = null;
                    PlayerEventsEndpoint.Handle(new PlayerEventsEndpoint.PlayerEventBody(id, kind, dwell), ledger, o => outcome = o, now);
                    var t1 = Stopwatch.GetTimestamp();
                    ledgerPart.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds);
                    if (outcome is not null)
                    {
                        counted++;
                        var r = outcome.Render;
                        // As the personalise actor does: only personalised renders, only slots that reward.
                        var rewards = r.Arm == ArmCounts.Personalised && outcome.BanditDelta != VariantStats.None;
                        if (rewards) outcomes.Record(r.CampaignId, r.Bucket, [r.HeadlineId, r.CtaId], outcome.BanditDelta);
                        var t2 = Stopwatch.GetTimestamp();
                        if (rewards) banditPart.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds);
                        minute = MinuteFold.Add(minute, outcome);
                        outbox.SaveOpen(minute);
                        telemetryPart.Add(Stopwatch.GetElapsedTime(t2).TotalMicroseconds);
                    }
                    micros.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
            }
            // The first renders include JIT and SQLite warm-up; the steady state is what a device pays.
            static Stats Steady(List<double> xs) => Stats.Of(xs.Skip(xs.Count / 10).ToList());
            var stats = Steady(micros);
            return new Result(stats.Count, counted, stats, Steady(ledgerPart), Steady(banditPart), Steady(telemetryPart), stats.P50 <= BudgetMicros);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
