using Akka.Actor;
using Fleet.Shared.Devices;

namespace Fleet.Integration.Tests;

/// <summary>Devices join by themselves and the registry keeps them, on SQLite and on PostgreSQL alike.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class RegistryTests
{
    [Theory]
    [InlineData(Databases.Sqlite)]
    [InlineData(Databases.Postgres)]
    public async Task Devices_register_with_their_facts_and_survive_a_cloud_restart(string kind)
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(kind, tmp.Path);
        var cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        var (port, http) = (cloud.Options.Port, new Uri(cloud.Options.HttpUrl).Port);
        await using var a = EdgeUnderTest.Start(cloud.Seed, tmp.Sub("a"), "kiosk-a", "store=berlin,hw=pi5");
        await using var b = EdgeUnderTest.Start(cloud.Seed, tmp.Sub("b"));

        var devices = await cloud.WaitForDevicesUpAsync(2);
        var kioskA = Assert.Single(devices, d => d.DeviceId == "kiosk-a");
        Assert.Equal("berlin", kioskA.Facts!.Tags["store"]);
        Assert.Equal(Environment.ProcessorCount, kioskA.Facts.Cores);
        Assert.Contains("CPUExecutionProvider", kioskA.Facts.ExecutionProviders);
        var generatedId = Assert.Single(devices, d => d.DeviceId != "kiosk-a").DeviceId;
        Assert.StartsWith("dev-", generatedId);
        var registeredAt = kioskA.RegisteredAt;

        await cloud.DisposeAsync();
        await using var restarted = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), port, http);
        var back = await restarted.WaitForDevicesUpAsync(2, TimeSpan.FromSeconds(60));
        Assert.Equal(new[] { generatedId, "kiosk-a" }.Order(), back.Select(d => d.DeviceId).Order());
        Assert.Equal(registeredAt, back.Single(d => d.DeviceId == "kiosk-a").RegisteredAt);
    }

    [Fact]
    public async Task A_second_installation_with_the_same_id_is_refused_and_the_first_keeps_its_record()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        await using var first = EdgeUnderTest.Start(cloud.Seed, tmp.Sub("first"), "kiosk-dup", "store=first");
        var before = Assert.Single(await cloud.WaitForDevicesUpAsync(1));

        await using var second = EdgeUnderTest.Start(cloud.Seed, tmp.Sub("second"), "kiosk-dup", "store=second");
        var refusal = await Assert.ThrowsAsync<Fleet.Shared.Cli.FleetException>(() => second.Run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(Fleet.Edge.Hosting.EdgeAgent.ExitRefused, refusal.ExitCode);
        Assert.Contains("already registered by another installation", refusal.Message);

        var after = Assert.Single(await cloud.DevicesAsync());
        Assert.Equal(before.Facts!.InstallationId, after.Facts!.InstallationId);
        Assert.Equal("first", after.Facts.Tags["store"]);
        Assert.False(first.Run.IsCompleted);
    }

    [Fact]
    public async Task A_device_that_registered_and_left_between_two_listings_is_listed_offline()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        Assert.Empty(await cloud.DevicesAsync()); // the journal is read now, with no device in it yet

        // Registered and gone again without a listing in between (waited for through the one-device endpoint).
        var brief = EdgeUnderTest.Start(cloud.Seed, tmp.Sub("brief"), "kiosk-brief");
        await Eventually.Until(() => cloud.GetAsync("/api/v1/devices/kiosk-brief"), a => a.Status == System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(60), "kiosk-brief registered");
        await brief.DisposeAsync();

        var listed = await Eventually.Until(cloud.DevicesAsync, d => d.Any(v => v.DeviceId == "kiosk-brief" && v.Connectivity != Connectivity.Up),
            TimeSpan.FromSeconds(30), "kiosk-brief listed, no longer up");
        Assert.Equal("kiosk-brief", Assert.Single(listed).DeviceId);
    }

    [Fact]
    public async Task A_registry_entity_started_again_shows_its_still_connected_device_up()
    {
        // Passivation, a shard hand-off or a new control node starts a device's entity again while the device stays
        // connected and does not register again: its connectivity must come from membership, not default to offline.
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        await using var device = EdgeUnderTest.Start(cloud.Seed, tmp.Sub("kiosk"), "kiosk-restarted");
        var before = Assert.Single(await cloud.WaitForDevicesUpAsync(1, TimeSpan.FromSeconds(60)));

        var entity = await cloud.System.ActorSelection($"/system/sharding/{Fleet.Shared.Cluster.ActorNames.Singletons.DeviceShard}/*/kiosk-restarted")
            .ResolveOne(TimeSpan.FromSeconds(5));
        Assert.True(await entity.GracefulStop(TimeSpan.FromSeconds(10), Fleet.Cloud.Devices.DeviceActor.Stop.Instance));

        var after = await Eventually.Until(() => cloud.GetAsync("/api/v1/devices/kiosk-restarted"), a => a.Status == System.Net.HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "kiosk-restarted listed again");
        var view = after.As<DeviceReplies.DeviceView>();
        Assert.Equal(Connectivity.Up, view.Connectivity);
        Assert.Equal(before.Address, view.Address);
    }

    [Fact]
    public async Task A_device_started_before_the_cloud_joins_when_the_cloud_comes_up()
    {
        using var tmp = new TempDir();
        var (port, http) = (Ports.Free(), Ports.Free());
        await using var early = EdgeUnderTest.Start($"127.0.0.1:{port}", tmp.Sub("early"), "kiosk-early");
        // A deliberate quiet period: the in-process agent reports its join attempts only on the console, so nothing says it is still retrying.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(early.Run.IsCompleted, "the agent must keep retrying, not exit");

        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), port, http);
        var device = Assert.Single(await cloud.WaitForDevicesUpAsync(1, TimeSpan.FromSeconds(45)));
        Assert.Equal("kiosk-early", device.DeviceId);
        Assert.Equal(Connectivity.Up, device.Connectivity);
    }
}
