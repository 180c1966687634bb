using System.Text.Json;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;
using Microsoft.Data.Sqlite;

namespace Fleet.Edge.Telemetry;

/// <summary>
/// The device's persistent telemetry outbox: a SQLite file (WAL) under the data folder. Open minutes are written on
/// every event, sealed minutes get a per-device sequence number and wait here until the cloud acknowledges them.
/// Thread-safe (one connection behind a lock): the telemetry actor writes, the link's uploader reads and deletes.
/// </summary>
public sealed class Outbox : IDisposable
{
    public const string FileName = "outbox.db";

    private readonly object _gate = new();
    private readonly SqliteConnection _db;
    private readonly SqliteCommand _saveOpen;

    private Outbox(string path, long capBytes)
    {
        Path = path;
        CapBytes = capBytes;
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Exec("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS open_minutes(start INTEGER PRIMARY KEY, body TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS outbox(
              seq INTEGER PRIMARY KEY, period_start INTEGER NOT NULL, minutes INTEGER NOT NULL, covers TEXT NOT NULL,
              body TEXT, renders INTEGER NOT NULL, dropped_renders INTEGER NOT NULL, bytes INTEGER NOT NULL, sent INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            INSERT OR IGNORE INTO meta(key, value) VALUES ('next_seq', 1);
            """);
        _saveOpen = _db.CreateCommand();
        _saveOpen.CommandText = "INSERT INTO open_minutes(start, body) VALUES ($s, $b) ON CONFLICT(start) DO UPDATE SET body = excluded.body";
        _saveOpen.Parameters.Add("$s", SqliteType.Integer);
        _saveOpen.Parameters.Add("$b", SqliteType.Text);
        _saveOpen.Prepare();
    }

    public string Path { get; }

    /// <summary>Upper bound on the bytes of stored aggregates; see <see cref="OutboxCap"/> for what goes first.</summary>
    public long CapBytes { get; }

    public static Outbox Open(string dir, long capBytes = 16 * 1024 * 1024)
    {
        Directory.CreateDirectory(dir);
        return new Outbox(System.IO.Path.Combine(dir, FileName), capBytes);
    }

    /// <summary>Writes the minute as it stands now; called after every event so a crash loses nothing.</summary>
    public void SaveOpen(OpenMinute m)
    {
        var body = JsonSerializer.Serialize(m, FleetJson.Options);
        lock (_gate)
        {
            _saveOpen.Parameters[0].Value = m.Start.ToUnixTimeSeconds();
            _saveOpen.Parameters[1].Value = body;
            _saveOpen.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<OpenMinute> LoadOpen()
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT body FROM open_minutes ORDER BY start";
            using var r = cmd.ExecuteReader();
            var list = new List<OpenMinute>();
            while (r.Read()) list.Add(JsonSerializer.Deserialize<OpenMinute>(r.GetString(0), FleetJson.Options)!);
            return list;
        }
    }

    /// <summary>Atomically turns an open minute into an outbox entry with the next seq; then enforces the cap.</summary>
    public long Seal(DateTimeOffset start, TelemetryAggregate aggregate)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            var seq = Scalar("SELECT value FROM meta WHERE key = 'next_seq'", tx);
            Insert(new OutboxEntry(seq, aggregate.PeriodStart, aggregate.PeriodMinutes, Array.Empty<long>(), aggregate, aggregate.Renders, 0, false), tx);
            Exec("UPDATE meta SET value = value + 1 WHERE key = 'next_seq'", tx);
            Exec($"DELETE FROM open_minutes WHERE start = {start.ToUnixTimeSeconds()}", tx);
            tx.Commit();
            OutboxCap.Enforce(this);
            return seq;
        }
    }

    /// <summary>The entry to upload next: the newest one, so a backlog never delays today's numbers.</summary>
    public OutboxEntry? Newest() => Query("SELECT * FROM outbox ORDER BY seq DESC LIMIT 1").FirstOrDefault();

    public IReadOnlyList<OutboxEntry> All() => Query("SELECT * FROM outbox ORDER BY seq");

    public void MarkSent(long seq) { lock (_gate) Exec($"UPDATE outbox SET sent = 1 WHERE seq = {seq}"); }

    /// <summary>The cloud has it: forget the entry.</summary>
    public void Acknowledge(long seq) { lock (_gate) Exec($"DELETE FROM outbox WHERE seq = {seq}"); }

    public (int Entries, long Bytes) Size()
    {
        lock (_gate) return ((int)Scalar("SELECT COUNT(*) FROM outbox"), Scalar("SELECT COALESCE(SUM(bytes), 0) FROM outbox"));
    }

    internal IReadOnlyList<OutboxEntry> Query(string sql, SqliteTransaction? tx = null)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            using var r = cmd.ExecuteReader();
            var list = new List<OutboxEntry>();
            while (r.Read())
            {
                var body = r.IsDBNull(r.GetOrdinal("body")) ? null : JsonSerializer.Deserialize<TelemetryAggregate>(r.GetString(r.GetOrdinal("body")), FleetJson.Options);
                list.Add(new OutboxEntry(r.GetInt64(0), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(1)), r.GetInt32(2),
                    JsonSerializer.Deserialize<long[]>(r.GetString(3))!, body, r.GetInt64(5), r.GetInt64(6), r.GetInt64(8) != 0, r.GetInt64(7)));
            }
            return list;
        }
    }

    /// <summary>Replaces <paramref name="removed"/> entries by <paramref name="replacement"/> in one transaction (cap policy).</summary>
    internal void Replace(IReadOnlyList<OutboxEntry> removed, OutboxEntry replacement)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            foreach (var e in removed) Exec($"DELETE FROM outbox WHERE seq = {e.Seq}", tx);
            Insert(replacement, tx);
            tx.Commit();
        }
    }

    private void Insert(OutboxEntry e, SqliteTransaction tx)
    {
        var body = e.Aggregate is null ? null : JsonSerializer.Serialize(e.Aggregate, FleetJson.Options);
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO outbox VALUES ($seq, $p, $m, $c, $b, $r, $d, $bytes, $sent)";
        cmd.Parameters.AddWithValue("$seq", e.Seq);
        cmd.Parameters.AddWithValue("$p", e.PeriodStart.ToUnixTimeSeconds());
        cmd.Parameters.AddWithValue("$m", e.Minutes);
        cmd.Parameters.AddWithValue("$c", JsonSerializer.Serialize(e.Covers));
        cmd.Parameters.AddWithValue("$b", (object?)body ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$r", e.Renders);
        cmd.Parameters.AddWithValue("$d", e.DroppedRenders);
        cmd.Parameters.AddWithValue("$bytes", (body?.Length ?? 0) + 32 + 8 * e.Covers.Count);
        cmd.Parameters.AddWithValue("$sent", e.Sent ? 1 : 0);
        cmd.ExecuteNonQuery();
    }

    private long Scalar(string sql, SqliteTransaction? tx = null)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    private void Exec(string sql, SqliteTransaction? tx = null)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _saveOpen.Dispose();
            _db.Dispose();
        }
    }
}

/// <summary>One stored batch: a minute, an hour roll-up (<see cref="Covers"/> lists the other seqs it stands for) or a tombstone.</summary>
public sealed record OutboxEntry(
    long Seq, DateTimeOffset PeriodStart, int Minutes, IReadOnlyList<long> Covers, TelemetryAggregate? Aggregate,
    long Renders, long DroppedRenders, bool Sent, long Bytes = 0)
{
    public TelemetryProtocol.Batch ToBatch(string deviceId, IReadOnlyDictionary<string, string> tags) =>
        new(deviceId, Seq, Covers.ToArray(), Aggregate is null ? null : AggregateCodec.Encode(Aggregate), DroppedRenders, tags);
}
