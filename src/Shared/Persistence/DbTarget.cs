using System.Data.Common;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fleet.Shared.Persistence;

/// <summary>Where a node keeps its journal: <c>sqlite:PATH</c> (embedded default) or <c>postgres:CONNSTR</c>.</summary>
public sealed record DbTarget(DbKind Kind, string ConnectionString)
{
    /// <summary>linq2db provider names that Akka.Persistence.Sql understands.</summary>
    public string ProviderName => Kind == DbKind.Sqlite ? "SQLite.MS" : "PostgreSQL.15";

    public static DbTarget Parse(string spec)
    {
        var colon = spec.IndexOf(':');
        var (scheme, rest) = colon < 0 ? (spec, "") : (spec[..colon], spec[(colon + 1)..]);
        if (rest.Length == 0) throw new UsageException($"--db '{spec}' must be sqlite:PATH or postgres:CONNSTR");
        return scheme switch
        {
            "sqlite" => Sqlite(rest),
            "postgres" or "postgresql" => Postgres(rest),
            _ => throw new UsageException($"--db '{spec}': unknown database '{scheme}' (use sqlite:PATH or postgres:CONNSTR)"),
        };
    }

    public static DbTarget Sqlite(string path) =>
        new(DbKind.Sqlite, new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(path), Pooling = true }.ToString());

    private static DbTarget Postgres(string connStr)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connStr);
            if (b.Timeout > 5) b.Timeout = 5;
            return new DbTarget(DbKind.Postgres, b.ToString());
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--db postgres: connection string is malformed ({e.Message})");
        }
    }

    /// <summary>
    /// Opens one connection before the actor system starts, so an unreachable database is one clear line and a
    /// non-zero exit instead of a journal that retries forever in the background.
    /// </summary>
    public async Task EnsureReachableAsync(CancellationToken ct = default)
    {
        try
        {
            if (Kind == DbKind.Sqlite)
            {
                // The journal holds the registry, enrolment state and tokens: mode 600 before SQLite creates it (its WAL
                // and shared-memory files take the database file's mode).
                PrivateFile.EnsurePrivate(new SqliteConnectionStringBuilder(ConnectionString).DataSource);
            }
            await using DbConnection conn = Kind == DbKind.Sqlite ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
            await conn.OpenAsync(ct);
            if (Kind == DbKind.Sqlite)
            {
                // WAL doubles SQLite write throughput and lets readers run beside the journal writer (PLATFORM.md).
                await using var cmd = conn.CreateCommand();
                cmd.CommandText = "PRAGMA journal_mode=WAL;";
                await cmd.ExecuteNonQueryAsync(ct);
            }
        }
        catch (Exception e) when (e is DbException or IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException)
        {
            throw new FleetException($"database {Describe()} is not reachable: {FirstLine(e.Message)}");
        }
    }

    /// <summary>The target without secrets, for logs.</summary>
    public string Describe()
    {
        if (Kind == DbKind.Sqlite) return "sqlite:" + new SqliteConnectionStringBuilder(ConnectionString).DataSource;
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"postgres:{b.Host}:{b.Port}/{b.Database}";
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}

public enum DbKind { Sqlite, Postgres }
