using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;
using Fleet.Shared.Persistence;

namespace Fleet.Shared.Tests.Cluster;

public sealed class SeedAndDbParsingTests
{
    [Theory]
    [InlineData("akka.tcp://fleet@127.0.0.1:4053", "127.0.0.1", 4053)]
    [InlineData("cloud-0.fleet.svc:4053", "cloud-0.fleet.svc", 4053)]
    [InlineData("akka.tcp://fleet@[::1]:4053", "::1", 4053)]
    public void Seeds_parse(string text, string host, int port) => Assert.Equal(new SeedAddress(host, port), SeedAddress.Parse(text));

    [Theory]
    [InlineData("akka.tcp://other@127.0.0.1:4053")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("http://127.0.0.1:4053")]
    public void Bad_seeds_are_one_line_usage_errors(string text) =>
        Assert.DoesNotContain('\n', Assert.Throws<UsageException>(() => SeedAddress.Parse(text)).Message);

    [Fact]
    public async Task A_host_name_seed_resolves_to_addresses()
    {
        var addresses = await new SeedAddress("localhost", 4053).ResolveAsync(CancellationToken.None);
        Assert.Contains("akka.tcp://fleet@127.0.0.1:4053", addresses);
    }

    [Fact]
    public void Db_specs_parse_and_unknown_kinds_are_rejected()
    {
        Assert.Equal(DbKind.Sqlite, DbTarget.Parse("sqlite:/tmp/x.db").Kind);
        Assert.Equal("PostgreSQL.15", DbTarget.Parse("postgres:Host=db;Database=fleet").ProviderName);
        Assert.Throws<UsageException>(() => DbTarget.Parse("mysql:foo"));
        Assert.Throws<UsageException>(() => DbTarget.Parse("sqlite:"));
        Assert.Throws<UsageException>(() => DbTarget.Parse("postgres:Host=db;NoSuchKeyword=1"));
    }

    [Fact]
    public async Task An_unreachable_database_is_a_clear_error()
    {
        var target = DbTarget.Parse("postgres:Host=127.0.0.1;Port=1;Database=fleet;Username=x;Timeout=2");
        var e = await Assert.ThrowsAsync<FleetException>(() => target.EnsureReachableAsync());
        Assert.StartsWith("database postgres:127.0.0.1:1/fleet is not reachable", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_sqlite_journal_and_an_audit_log_are_created_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new Support.TempDir();
        const UnixFileMode mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var db = Path.Combine(dir.Path, "data", "fleet.db");
        await DbTarget.Sqlite(db).EnsureReachableAsync();
        Assert.Equal(mode600, File.GetUnixFileMode(db));
        // SQLite gives its WAL and shared-memory files the database file's mode.
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(db)!, "fleet.db*")) Assert.Equal(mode600, File.GetUnixFileMode(file));

        // A journal made before this rule, world-readable, is narrowed on the next start.
        var old = Path.Combine(dir.Path, "old.db");
        File.WriteAllBytes(old, Array.Empty<byte>());
        File.SetUnixFileMode(old, mode600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await DbTarget.Sqlite(old).EnsureReachableAsync();
        Assert.Equal(mode600, File.GetUnixFileMode(old));

        var audit = Path.Combine(dir.Path, "audit.log");
        using (Fleet.Shared.Audit.AuditLog.Open(audit)) { }
        Assert.Equal(mode600, File.GetUnixFileMode(audit));
    }
}
