using System.Data;
using System.Data.Common;
using Fleet.Shared.Persistence;
using Fleet.Shared.Telemetry;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fleet.Cloud.Reports;

/// <summary>An accepted telemetry batch as the report projection needs it: who sent which seqs, the cohort, the counts.</summary>
public sealed record ReportBatch(string DeviceId, IReadOnlyList<long> Seqs, string Cohort, TelemetryAggregate Aggregate);

/// <summary>
/// Hourly player-outcome rollups in the cluster's database (the one the journal and <see cref="ControlStore"/> use), so
/// reports survive restarts and singleton hand-overs and reach back further than the in-memory windows.
/// <para>
/// Exactly once per batch: every write records the batch's (device, seq)s in <c>fleet_report_applied</c> in the same
/// transaction as its counts, and skips a batch whose seq is already there. The ingest actor offers a batch here after
/// its journal write and again whenever the device replays it (a replay is only acknowledged once this store has it), so
/// a crash between the journal write and this one loses nothing (the unacknowledged device sends the batch again) and
/// counts nothing twice. Deriving the rollups from the journal instead was rejected: journal events are snapshotted and
/// deleted, and a report must not depend on old events being there.
/// </para>
/// </summary>
public sealed class ReportStore
{
    /// <summary>Any fixed number other than the control store's: the advisory lock report writers take on PostgreSQL.</summary>
    private const long AdvisoryLock = 0x466C656574_14;

    private const string Keys = "campaign_id, hour_start, campaign_version, model_version, slice, slice_id, cohort";
    private const string CountColumns = "renders, impressions, q25, q50, q75, completes, clicks, dwell_ms";

    private static readonly string[] Schema =
    {
        $"CREATE TABLE IF NOT EXISTS fleet_report_rollups (campaign_id TEXT NOT NULL, hour_start BIGINT NOT NULL, campaign_version TEXT NOT NULL, " +
        "model_version TEXT NOT NULL, slice TEXT NOT NULL, slice_id TEXT NOT NULL, cohort TEXT NOT NULL, renders BIGINT NOT NULL, " +
        "impressions BIGINT NOT NULL, q25 BIGINT NOT NULL, q50 BIGINT NOT NULL, q75 BIGINT NOT NULL, completes BIGINT NOT NULL, " +
        $"clicks BIGINT NOT NULL, dwell_ms BIGINT NOT NULL, PRIMARY KEY ({Keys}))",
        "CREATE INDEX IF NOT EXISTS fleet_report_rollups_hour ON fleet_report_rollups (hour_start)",
        "CREATE TABLE IF NOT EXISTS fleet_report_applied (device_id TEXT NOT NULL, seq BIGINT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (device_id, seq))",
        "CREATE INDEX IF NOT EXISTS fleet_report_applied_at ON fleet_report_applied (applied_at)",
        // The fleet prior's counts: per hour so they age out with the rollups' retention.
        "CREATE TABLE IF NOT EXISTS fleet_learning (campaign_id TEXT NOT NULL, campaign_version TEXT NOT NULL, bucket TEXT NOT NULL, " +
        "variant_id TEXT NOT NULL, hour_start BIGINT NOT NULL, impressions BIGINT NOT NULL, clicks BIGINT NOT NULL, completes BIGINT NOT NULL, " +
        "PRIMARY KEY (campaign_id, campaign_version, bucket, variant_id, hour_start))",
        "CREATE TABLE IF NOT EXISTS fleet_learning_devices (campaign_id TEXT NOT NULL, campaign_version TEXT NOT NULL, device_id TEXT NOT NULL, " +
        "hour_start BIGINT NOT NULL, PRIMARY KEY (campaign_id, campaign_version, device_id, hour_start))",
    };

    private const string LearningUpsert =
        "INSERT INTO fleet_learning (campaign_id, campaign_version, bucket, variant_id, hour_start, impressions, clicks, completes) " +
        "VALUES (@c, @v, @b, @i, @h, @n, @x, @e) ON CONFLICT (campaign_id, campaign_version, bucket, variant_id, hour_start) DO UPDATE SET " +
        "impressions = fleet_learning.impressions + excluded.impressions, clicks = fleet_learning.clicks + excluded.clicks, " +
        "completes = fleet_learning.completes + excluded.completes";

    private static readonly string Upsert =
        $"INSERT INTO fleet_report_rollups ({Keys}, {CountColumns}) VALUES (@c, @h, @v, @m, @s, @i, @k, @r, @n, @q1, @q2, @q3, @e, @x, @d) " +
        $"ON CONFLICT ({Keys}) DO UPDATE SET " +
        string.Join(", ", CountColumns.Split(", ").Select(c => $"{c} = fleet_report_rollups.{c} + excluded.{c}"));

    private readonly DbTarget _db;

    private ReportStore(DbTarget db) => _db = db;

    public string Describe() => _db.Describe();

    /// <summary>Opens the store, creating its tables when absent (safe when several nodes start at once).</summary>
    public static ReportStore Open(DbTarget db)
    {
        var store = new ReportStore(db);
        try
        {
            store.Write(tx => { foreach (var sql in Schema) tx.Execute(sql); return 0; });
        }
        catch (DbException e)
        {
            throw new FleetException($"database {db.Describe()}: cannot create the report tables: {e.Message.Split('\n')[0]}");
        }
        return store;
    }

    /// <summary>
    /// Adds the batches not applied before, in one transaction; returns how many were new. Periods that ended before
    /// <paramref name="cutoff"/> are past retention and only marked applied.
    /// </summary>
    public int Apply(IReadOnlyList<ReportBatch> batches, DateTimeOffset now, DateTimeOffset cutoff) => Write(tx =>
    {
        var fresh = new List<ReportBatch>();
        foreach (var b in batches)
        {
            if (tx.Execute("INSERT INTO fleet_report_applied (device_id, seq, applied_at) VALUES (@d, @s, @t) ON CONFLICT (device_id, seq) DO NOTHING",
                    ("d", b.DeviceId), ("s", b.Seqs[0]), ("t", now.ToUnixTimeMilliseconds())) == 0)
                continue;
            foreach (var seq in b.Seqs.Skip(1))
                tx.Execute("INSERT INTO fleet_report_applied (device_id, seq, applied_at) VALUES (@d, @s, @t) ON CONFLICT (device_id, seq) DO NOTHING",
                    ("d", b.DeviceId), ("s", seq), ("t", now.ToUnixTimeMilliseconds()));
            fresh.Add(b);
        }
        var rows = ReportRollup.Sum(fresh.Where(b => b.Aggregate.PeriodStart.AddMinutes(b.Aggregate.PeriodMinutes) >= cutoff)
            .SelectMany(b => ReportRollup.RowsOf(b.Aggregate, b.Cohort)));
        foreach (var (k, c) in rows)
            tx.Execute(Upsert, ("c", k.CampaignId), ("h", k.Hour.ToUnixTimeMilliseconds()), ("v", k.CampaignVersion), ("m", k.ModelVersion),
                ("s", k.Slice), ("i", k.SliceId), ("k", k.Cohort), ("r", c.Renders), ("n", c.Impressions), ("q1", c.Q25), ("q2", c.Q50),
                ("q3", c.Q75), ("e", c.Completes), ("x", c.Clicks), ("d", c.DwellMs));
        foreach (var b in fresh.Where(b => b.Aggregate.PeriodStart.AddMinutes(b.Aggregate.PeriodMinutes) >= cutoff))
            ApplyLearning(tx, b);
        return fresh.Count;
    });

    // Learning rows of a batch, in the same transaction as its applied seqs (so a replayed batch teaches nothing twice).
    private static void ApplyLearning(ControlStore.Tx tx, ReportBatch b)
    {
        var hour = ReportRollup.HourOf(b.Aggregate.PeriodStart).ToUnixTimeMilliseconds();
        foreach (var g in b.Aggregate.Groups.Where(g => g.Learning is { Count: > 0 }))
        {
            foreach (var r in g.Learning!)
                tx.Execute(LearningUpsert, ("c", g.CampaignId), ("v", g.CampaignVersion), ("b", r.Bucket), ("i", r.VariantId), ("h", hour),
                    ("n", r.Impressions), ("x", r.Clicks), ("e", r.Completes));
            tx.Execute("INSERT INTO fleet_learning_devices (campaign_id, campaign_version, device_id, hour_start) VALUES (@c, @v, @d, @h) " +
                "ON CONFLICT (campaign_id, campaign_version, device_id, hour_start) DO NOTHING",
                ("c", g.CampaignId), ("v", g.CampaignVersion), ("d", b.DeviceId), ("h", hour));
        }
    }

    /// <summary>
    /// What the fleet learnt about one campaign version within retention: rows summed over hours and devices (uncapped;
    /// <see cref="Fleet.Shared.Learning.FleetPriors.Merge"/> caps them) and how many devices contributed.
    /// </summary>
    public (IReadOnlyList<Fleet.Shared.Learning.PriorRow> Rows, int Devices) Learning(string campaignId, string campaignVersion) => ReadOnly(tx =>
    {
        var rows = tx.Query("SELECT bucket, variant_id, CAST(SUM(impressions) AS BIGINT), CAST(SUM(clicks) AS BIGINT), CAST(SUM(completes) AS BIGINT) " +
            "FROM fleet_learning WHERE campaign_id = @c AND campaign_version = @v GROUP BY bucket, variant_id",
            r => new Fleet.Shared.Learning.PriorRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)),
            ("c", campaignId), ("v", campaignVersion));
        var devices = tx.Query("SELECT COUNT(DISTINCT device_id) FROM fleet_learning_devices WHERE campaign_id = @c AND campaign_version = @v",
            r => r.GetInt64(0), ("c", campaignId), ("v", campaignVersion));
        return ((IReadOnlyList<Fleet.Shared.Learning.PriorRow>)rows, (int)devices.Single());
    });

    /// <summary>One campaign's rows from <paramref name="from"/> on, summed over hours and cohorts.</summary>
    public IReadOnlyList<ReportRow> Read(string campaignId, DateTimeOffset from, string? campaignVersion = null) => ReadOnly(tx => tx.Query(
        $"SELECT campaign_version, model_version, slice, slice_id, {string.Join(", ", CountColumns.Split(", ").Select(c => $"CAST(SUM({c}) AS BIGINT)"))} " +
        $"FROM fleet_report_rollups WHERE campaign_id = @c AND hour_start >= @h{(campaignVersion is null ? "" : " AND campaign_version = @v")} " +
        "GROUP BY campaign_version, model_version, slice, slice_id",
        r => new ReportRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
            new RollupCounts(r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11))),
        campaignVersion is null
            ? [("c", campaignId), ("h", ReportRollup.HourOf(from).ToUnixTimeMilliseconds())]
            : [("c", campaignId), ("h", ReportRollup.HourOf(from).ToUnixTimeMilliseconds()), ("v", campaignVersion)]));

    /// <summary>Whether any device ever reported outcomes for the campaign (within retention).</summary>
    public bool Knows(string campaignId) => ReadOnly(tx =>
        tx.Query("SELECT 1 FROM fleet_report_rollups WHERE campaign_id = @c LIMIT 1", r => 1, ("c", campaignId)).Count > 0);

    /// <summary>Deletes rollup hours and applied seqs older than <paramref name="cutoff"/>; returns the rollup rows deleted.</summary>
    public int Prune(DateTimeOffset cutoff) => Write(tx =>
    {
        // An applied seq may go once its batch is past retention: a replay of it is then past retention too and adds nothing.
        tx.Execute("DELETE FROM fleet_report_applied WHERE applied_at < @t", ("t", cutoff.ToUnixTimeMilliseconds()));
        tx.Execute("DELETE FROM fleet_learning WHERE hour_start + 3600000 <= @t", ("t", cutoff.ToUnixTimeMilliseconds()));
        tx.Execute("DELETE FROM fleet_learning_devices WHERE hour_start + 3600000 <= @t", ("t", cutoff.ToUnixTimeMilliseconds()));
        return tx.Execute("DELETE FROM fleet_report_rollups WHERE hour_start + 3600000 <= @t", ("t", cutoff.ToUnixTimeMilliseconds()));
    });

    private T ReadOnly<T>(Func<ControlStore.Tx, T> read)
    {
        using var conn = Connect();
        return read(new ControlStore.Tx(conn, null));
    }

    private T Write<T>(Func<ControlStore.Tx, T> write)
    {
        using var conn = Connect();
        using var transaction = conn is SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: false) : conn.BeginTransaction(IsolationLevel.ReadCommitted);
        var tx = new ControlStore.Tx(conn, transaction);
        if (_db.Kind == DbKind.Postgres) tx.Execute($"SELECT pg_advisory_xact_lock({AdvisoryLock})");
        var result = write(tx);
        transaction.Commit();
        return result;
    }

    private DbConnection Connect()
    {
        DbConnection conn = _db.Kind == DbKind.Sqlite ? new SqliteConnection(_db.ConnectionString) : new NpgsqlConnection(_db.ConnectionString);
        conn.Open();
        if (conn is SqliteConnection)
        {
            // The journal writes to the same file: wait for its lock inside SQLite (retries within milliseconds) rather
            // than in the driver's retry loop, which sleeps 150 ms per attempt.
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA busy_timeout = 30000";
            cmd.ExecuteNonQuery();
        }
        return conn;
    }
}
