using System.Data;
using System.Data.Common;
using Fleet.Shared.Cli;
using Fleet.Shared.Security.Pki;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fleet.Shared.Persistence;

/// <summary>
/// The control plane's shared state in the cluster's database (the one the journal uses), so every control node signs,
/// verifies and refuses the same: signing keys (private halves sealed), named values (the active kid, sealed token keys)
/// and revoked devices. Plain ADO.NET; every write runs in a transaction holding one database-wide lock (a PostgreSQL
/// advisory lock, SQLite's write lock), so nodes starting or rotating at once never interleave.
/// </summary>
public sealed class ControlStore : IRevocationStore
{
    /// <summary>Any fixed number: the advisory lock all control-store writers take.</summary>
    private const long AdvisoryLock = 0x466C656574_13;

    private static readonly string[] Schema =
    {
        "CREATE TABLE IF NOT EXISTS fleet_signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, created_at BIGINT NOT NULL, " +
        "public_key TEXT NOT NULL, private_sealed TEXT NULL, revoked_at BIGINT NULL)",
        "CREATE TABLE IF NOT EXISTS fleet_control_values (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS fleet_revoked_devices (device_id TEXT PRIMARY KEY, revoked_at BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS fleet_render_job_texts (job_id TEXT PRIMARY KEY, sealed TEXT NOT NULL)",
    };

    private readonly DbTarget _db;

    private ControlStore(DbTarget db) => _db = db;

    public string Describe() => _db.Describe();

    /// <summary>Opens the store, creating its tables when absent (safe when several nodes start at once).</summary>
    public static ControlStore Open(DbTarget db)
    {
        var store = new ControlStore(db);
        try
        {
            store.Write(tx => { foreach (var sql in Schema) tx.Execute(sql); return 0; });
        }
        catch (DbException e)
        {
            throw new FleetException($"database {db.Describe()}: cannot create the control-plane tables: {e.Message.Split('\n')[0]}");
        }
        return store;
    }

    /// <summary>Reads in one connection (no lock: each statement sees committed rows).</summary>
    public T Read<T>(Func<Tx, T> read)
    {
        using var conn = Connect();
        return read(new Tx(conn, null));
    }

    /// <summary>Runs <paramref name="write"/> in a transaction under the store's lock; commits when it returns.</summary>
    public T Write<T>(Func<Tx, T> write)
    {
        using var conn = Connect();
        using var transaction = conn is SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: false) : conn.BeginTransaction(IsolationLevel.ReadCommitted);
        var tx = new Tx(conn, transaction);
        if (_db.Kind == DbKind.Postgres) tx.Execute($"SELECT pg_advisory_xact_lock({AdvisoryLock})");
        var result = write(tx);
        transaction.Commit();
        return result;
    }

    public IReadOnlyCollection<string> LoadRevokedDevices() =>
        Read(tx => tx.Query("SELECT device_id FROM fleet_revoked_devices", r => r.GetString(0)));

    public void AddRevokedDevice(string deviceId, DateTimeOffset at) => Write(tx => tx.Execute(
        "INSERT INTO fleet_revoked_devices (device_id, revoked_at) VALUES (@id, @at) ON CONFLICT (device_id) DO NOTHING",
        ("id", deviceId), ("at", at.ToUnixTimeMilliseconds())));

    private DbConnection Connect()
    {
        DbConnection conn = _db.Kind == DbKind.Sqlite ? new SqliteConnection(_db.ConnectionString) : new NpgsqlConnection(_db.ConnectionString);
        conn.Open();
        return conn;
    }

    /// <summary>One connection (and transaction, when writing) with parameterised helpers.</summary>
    public sealed class Tx(DbConnection conn, DbTransaction? transaction)
    {
        public int Execute(string sql, params (string Name, object? Value)[] args)
        {
            using var cmd = Command(sql, args);
            return cmd.ExecuteNonQuery();
        }

        public List<T> Query<T>(string sql, Func<DbDataReader, T> row, params (string Name, object? Value)[] args)
        {
            using var cmd = Command(sql, args);
            using var reader = cmd.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read()) rows.Add(row(reader));
            return rows;
        }

        public string? Value(string name) =>
            Query("SELECT value FROM fleet_control_values WHERE name = @name", r => r.GetString(0), ("name", name)).SingleOrDefault();

        public void SetValue(string name, string value) => Execute(
            "INSERT INTO fleet_control_values (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            ("name", name), ("value", value));

        private DbCommand Command(string sql, (string Name, object? Value)[] args)
        {
            var cmd = conn.CreateCommand();
            cmd.Transaction = transaction;
            cmd.CommandText = sql;
            foreach (var (name, value) in args)
            {
                var p = cmd.CreateParameter();
                p.ParameterName = "@" + name;
                p.Value = value ?? DBNull.Value;
                cmd.Parameters.Add(p);
            }
            return cmd;
        }
    }
}
