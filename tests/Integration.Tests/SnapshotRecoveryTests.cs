using System.Data.Common;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Devices;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Persistence;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tokens;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using static Fleet.Shared.Devices.DeviceCommands;

namespace Fleet.Integration.Tests;

/// <summary>
/// Snapshots through the real persistence plugin on SQLite and PostgreSQL: an actor started again recovers from its
/// latest snapshot plus the events after it to the state it had, and the events and snapshots the latest snapshot
/// covers are gone from the database.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SnapshotRecoveryTests
{
    private const int Every = 5;
    private static readonly Dictionary<string, string> Tags = new() { ["store"] = "berlin" };
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(Databases.Sqlite)]
    [InlineData(Databases.Postgres)]
    public async Task The_device_registry_entity_recovers_from_its_snapshot_and_its_old_events_are_deleted(string kind)
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(kind, tmp.Path);
        using var host = await StartNodeAsync(db);
        var system = host.Services.GetRequiredService<ActorSystem>();
        DeviceFacts Facts(int cores) => new("kiosk-1", "inst-a", "pi-1", cores, 8192, "arm64", "Debian 12", ["libx264"], ["CPUExecutionProvider"], "0.1.0", Tags);

        var first = system.ActorOf(DeviceActor.Props("kiosk-1", null), "kiosk-1-first");
        await first.Ask<DeviceReplies.Registered>(new Register(Facts(4), "akka.tcp://fleet@10.0.0.5:4000"), Wait);
        for (var i = 1; i <= 11; i++)
            await first.Ask<DeviceReplies.EnrolmentAccepted>(new IssueEnrolmentCode("kiosk-1", $"code-{i}", DateTimeOffset.UtcNow.AddHours(1), Tags), Wait);
        await first.Ask<DeviceReplies.Registered>(new Register(Facts(8), "akka.tcp://fleet@10.0.0.5:4000"), Wait); // facts changed: event 13
        var before = await first.Ask<DeviceReplies.DeviceView>(new Get("kiosk-1"), Wait);
        // 13 events, a snapshot every 5: the journal keeps only the events after the latest snapshot, and that one snapshot.
        await AssertOnlyAfterSnapshotAsync(db, "device-kiosk-1", lastEvent: 13);
        await first.GracefulStop(Wait, DeviceActor.Stop.Instance);

        var again = system.ActorOf(DeviceActor.Props("kiosk-1", null), "kiosk-1-again");
        var after = await again.Ask<DeviceReplies.DeviceView>(new Get("kiosk-1"), Wait);
        // Connectivity is live (not persisted): the rest is what the events made.
        Assert.Equal(Json(before with { Connectivity = after.Connectivity, Address = after.Address }), Json(after));
        Assert.Equal(8, after.Facts!.Cores);
        Assert.IsType<DeviceReplies.EnrolmentAccepted>(await again.Ask<object>(new CheckEnrolmentCode("kiosk-1", "code-11"), Wait));
        Assert.IsType<Fleet.Shared.Commands.Refused>(await again.Ask<object>(new CheckEnrolmentCode("kiosk-1", "code-10"), Wait));
    }

    [Theory]
    [InlineData(Databases.Sqlite)]
    [InlineData(Databases.Postgres)]
    public async Task The_token_store_singleton_recovers_from_its_snapshot_and_its_old_events_are_deleted(string kind)
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(kind, tmp.Path);
        using var host = await StartNodeAsync(db);
        var system = host.Services.GetRequiredService<ActorSystem>();
        Props Store() => SingletonSupervision.Props(Props.Create(() => new TokenStoreActor("http://127.0.0.1:5080")), ActorNames.Singletons.Tokens);

        var first = system.ActorOf(Store(), "tokens-first");
        var created = new List<TokenReplies.Created>();
        for (var i = 1; i <= 12; i++)
            created.Add(await first.Ask<TokenReplies.Created>(new TokenCommands.Create(TokenRoles.Viewer, null, $"ci-{i}", "admin"), Wait));
        await first.Ask<TokenReplies.Revoked>(new TokenCommands.Revoke(created[0].View.Id, "admin"), Wait); // event 13
        var before = await first.Ask<TokenReplies.Listed>(TokenCommands.List.Instance, Wait);
        await AssertOnlyAfterSnapshotAsync(db, "tokens", lastEvent: 13);
        await first.GracefulStop(Wait);

        var again = system.ActorOf(Store(), "tokens-again");
        var after = await again.Ask<TokenReplies.Listed>(TokenCommands.List.Instance, Wait);
        Assert.Equal(Json(before), Json(after));
        Assert.NotNull((await again.Ask<TokenReplies.Lookup>(new TokenCommands.Authenticate(TokenSecrets.Hash(created[^1].Token)), Wait)).View);
        Assert.Null((await again.Ask<TokenReplies.Lookup>(new TokenCommands.Authenticate(TokenSecrets.Hash(created[0].Token)), Wait)).View);
    }

    /// <summary>A node with the journal and snapshot store on <paramref name="db"/>, snapshotting every <see cref="Every"/> events.</summary>
    private static async Task<IHost> StartNodeAsync(DbTarget db)
    {
        await db.EnsureReachableAsync();
        var settings = new NodeSettings { Port = Ports.Free(), Roles = [FleetCluster.ControlRole], Db = db, LogLevel = "ERROR" };
        var host = Host.CreateDefaultBuilder().ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddAkka(FleetCluster.SystemName, b => b.WithFleetNode(settings)
                .AddHocon($"{SnapshottingActor.SnapshotEverySetting} = {Every}", HoconAddMode.Prepend)))
            .Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>
    /// Deletion follows the snapshot's save asynchronously (journal and snapshot store are separate plugins), so this waits for the database to show one snapshot
    /// at event 10 or later (a save still running when event 10 came is followed by one at a later event) and no event before it.
    /// </summary>
    private static async Task AssertOnlyAfterSnapshotAsync(DbTarget db, string persistenceId, long lastEvent)
    {
        var rows = await Eventually.Until(async () =>
            {
                var at = await CountAsync(db, "MAX(sequence_number)", "snapshot", persistenceId, "1 = 1");
                return (At: at,
                    Snapshots: await CountAsync(db, "COUNT(*)", "snapshot", persistenceId, "1 = 1"),
                    Covered: await CountAsync(db, "COUNT(*)", "journal", persistenceId, $"sequence_number < {at}"),
                    After: await CountAsync(db, "COUNT(*)", "journal", persistenceId, $"sequence_number > {at}"));
            },
            r => r is { At: >= 10, Snapshots: 1, Covered: 0 }, Wait, $"{persistenceId}: one snapshot at event 10 or later, no event before it");
        Assert.Equal(lastEvent - rows.At, rows.After);
    }

    private static async Task<long> CountAsync(DbTarget db, string what, string table, string persistenceId, string where)
    {
        await using DbConnection conn = db.Kind == DbKind.Sqlite ? new SqliteConnection(db.ConnectionString) : new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT {what} FROM {table} WHERE persistence_id = @id AND {where}";
        var p = cmd.CreateParameter();
        p.ParameterName = "@id";
        p.Value = persistenceId;
        cmd.Parameters.Add(p);
        return await cmd.ExecuteScalarAsync() is { } v and not DBNull ? Convert.ToInt64(v) : 0;
    }

    private static string Json(object o) => JsonSerializer.Serialize(o, o.GetType(), FleetJson.Options);
}
