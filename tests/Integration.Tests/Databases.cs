using Fleet.Shared.Persistence;
using Npgsql;

namespace Fleet.Integration.Tests;

/// <summary>
/// A fresh, empty journal for one test: a SQLite file, or a new database on the PostgreSQL that <c>./fleet test</c>
/// starts (FLEET_TEST_PG). The PostgreSQL case fails rather than skips when that server is missing.
/// </summary>
public static class Databases
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public static async Task<DbTarget> FreshAsync(string kind, string dir)
    {
        if (kind == Sqlite) return DbTarget.Sqlite(Path.Combine(dir, "fleet.db"));
        var admin = Environment.GetEnvironmentVariable("FLEET_TEST_PG")
                    ?? throw new InvalidOperationException("FLEET_TEST_PG is not set: run the tests with ./fleet test, which starts PostgreSQL");
        var name = "fleet_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return DbTarget.Parse("postgres:" + new NpgsqlConnectionStringBuilder(admin) { Database = name });
    }
}
