using System.Diagnostics;
using Akka.Actor;
using Akka.Serialization;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Bench;

/// <summary>
/// Device telemetry costs: (1) the outbox write per render (fold + SQLite upsert of the open minute, WAL,
/// synchronous=NORMAL), and (2) the upload bytes per device per hour at one render and one impression a minute with
/// a resource sample every 15 s, as Hyperion puts batch and ack on the wire, plus the remoting envelope (actor paths).
/// </summary>
public static class TelemetryBenchmark
{
    public sealed record Result(int Renders, Stats WriteMicros, Stats FoldMicros, long PayloadBytesPerHour, long EnvelopeBytesPerHour,
        long TotalBytesPerHour, int BatchesPerHour);

    public static Result Run(int renders)
    {
        var dir = Path.Combine(Path.GetTempPath(), "fleet-bench-outbox-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (write, fold) = WriteCost(dir, renders);
            var (payload, envelope, batches) = UploadBytes(dir);
            return new Result(renders, write, fold, payload, envelope, payload + envelope, batches);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static (Stats Write, Stats Fold) WriteCost(string dir, int renders)
    {
        using var outbox = Outbox.Open(Path.Combine(dir, "write"));
        var start = MinuteFold.MinuteOf(DateTimeOffset.UtcNow);
        var minute = OpenMinute.For(start);
        var write = new List<double>(renders);
        var foldOnly = new List<double>(renders);
        for (var i = 0; i < renders; i++)
        {
            // One render a minute on a real kiosk; here a new minute every 10 renders keeps the open minute realistic.
            if (i % 10 == 0 && i > 0)
            {
                outbox.Seal(minute.Start, MinuteFold.Seal(minute, 5));
                minute = OpenMinute.For(minute.Start.AddMinutes(1));
            }
            var e = SyntheticTelemetry.Render(i, userHash: Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i % 40))));
            var t0 = Stopwatch.GetTimestamp();
            minute = MinuteFold.Add(minute, e);
            var t1 = Stopwatch.GetTimestamp();
            outbox.SaveOpen(minute);
            var t2 = Stopwatch.GetTimestamp();
            foldOnly.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds);
            write.Add(Stopwatch.GetElapsedTime(t0, t2).TotalMicroseconds);
        }
        // The first few hundred include JIT and SQLite warm-up; the steady state is what a device pays.
        var skip = Math.Min(200, renders / 5);
        return (Stats.Of(write.Skip(skip).ToList()), Stats.Of(foldOnly.Skip(skip).ToList()));
    }

    private static (long Payload, long Envelope, int Batches) UploadBytes(string dir)
    {
        using var system = ActorSystem.Create("bench-telemetry", "akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR");
        var hyperion = new HyperionSerializer((ExtendedActorSystem)system, HyperionSerializerSettings.Default
            .WithDisallowUnsafeType(true).WithTypeFilter(ProtocolTypeFilter.ForFleet()));
        using var outbox = Outbox.Open(Path.Combine(dir, "upload"));
        var tags = new Dictionary<string, string> { ["store"] = "berlin", ["hw"] = "pi5" };
        var start = MinuteFold.MinuteOf(DateTimeOffset.UtcNow).AddHours(-1);
        for (var m = 0; m < 60; m++)
        {
            var t = start.AddMinutes(m);
            var minute = MinuteFold.Add(OpenMinute.For(t), SyntheticTelemetry.Render(m, at: t));
            minute = MinuteFold.Add(minute, new Interaction("summer-sale", $"h{m % 3}", InteractionKind.Impression, null, t), MinuteFold.KeyOf(SyntheticTelemetry.Render(m)));
            for (var s = 0; s < 4; s++) minute = MinuteFold.Add(minute, new ResourceSample(t.AddSeconds(15 * s), 20 + s, 800, 180, 52.5));
            outbox.Seal(t, MinuteFold.Seal(minute, 5));
        }
        // Remote envelope: recipient path (singleton on the cloud) and sender path (the uploader) travel with each message.
        const string recipient = "akka.tcp://fleet@10.0.0.1:4053/system/sharding/telemetry-ingest/singleton/store";
        const string sender = "akka.tcp://fleet@10.0.0.57:40123/user/link/telemetry-upload";
        long payload = 0, envelope = 0;
        var entries = outbox.All();
        foreach (var e in entries)
        {
            var batch = e.ToBatch("kiosk-berlin-0001", tags);
            payload += hyperion.ToBinary(batch).Length + hyperion.ToBinary(new TelemetryProtocol.Ack(batch.DeviceId, batch.Seq, false)).Length;
            envelope += 2 * (recipient.Length + sender.Length + 16);
        }
        return (payload, envelope, entries.Count);
    }
}
