using Fleet.Cloud.KillSwitch;
using Fleet.Shared.KillSwitch;

namespace Fleet.Integration.Tests;

/// <summary>
/// The kill-switch across a real cluster, to enrolled devices through the gateway (mutual TLS): broadcast,
/// acknowledgement, offline devices, control-node hand-over with the device failing over to another gateway.
/// </summary>
[Collection(MetricsValuesCollection.Name)]
public sealed class KillSwitchTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    internal static Task<KillStatus> StatusAsync(CloudUnderTest cloud, string id) => cloud.Api.GetAsync<KillStatus>($"api/v1/kill/{id}");

    internal static async Task<KillCommands.Result> EngageAsync(CloudUnderTest cloud, string scope) =>
        await cloud.Api.PostAsync<KillCommands.Result>("api/v1/kill", new KillSwitchEndpoints.EngageRequest(scope, "test: bad output"));

    [Fact]
    public async Task An_engaged_kill_reaches_every_device_and_status_shows_each_acknowledgement()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true);
        var edges = new List<EdgeUnderTest>();
        for (var i = 1; i <= 3; i++) edges.Add(EdgeUnderTest.StartEnrolled(await cloud.EnrolAsync($"kiosk-{i}", tmp.Sub($"e{i}"))));
        try
        {
            await cloud.WaitForDevicesUpAsync(3);
            var engaged = await EngageAsync(cloud, "model:minilm@1.0.0");
            Assert.Equal(1, engaged.Epoch);

            var status = await Eventually.Until(() => StatusAsync(cloud, engaged.Directive!.Id), s => s.Pending == 0 && s.Acknowledged == 3, Within, "3 acknowledgements");
            Assert.All(status.Devices, d => Assert.Equal(1, d.AckedEpoch));
            Assert.NotNull(status.P99Ms);

            var released = await cloud.Api.PostAsync<KillCommands.Result>($"api/v1/kill/{engaged.Directive!.Id}/release",
                new KillSwitchEndpoints.ReleaseRequest("fixed"));
            Assert.Equal(2, released.Epoch);
            await Eventually.Until(() => StatusAsync(cloud, engaged.Directive.Id), s => s.Devices.All(d => d.AckedEpoch == 2), Within, "release acknowledged");

            // The kill switch's metrics say the same: epoch 2, every device's engage and release acknowledgement timed,
            // none pending; the gateway holds the three streams.
            var metrics = await MetricsScrape.CheckedAsync(cloud.Options.HttpUrl, "fleet_kill_epoch", "fleet_kill_ack_latency_seconds_bucket",
                "fleet_kill_pending_devices", "fleet_gateway_devices_connected");
            Assert.Equal(2, MetricsScrape.Value(metrics, "fleet_kill_epoch"));
            Assert.Equal(0, MetricsScrape.Value(metrics, "fleet_kill_active"));
            Assert.Equal(3, MetricsScrape.Value(metrics, "fleet_kill_ack_latency_seconds_count", "action=\"engage\""));
            Assert.Equal(3, MetricsScrape.Value(metrics, "fleet_kill_ack_latency_seconds_count", "action=\"release\""));
            Assert.Equal(0, MetricsScrape.Value(metrics, "fleet_kill_pending_devices", "state=\"connected\""));
            Assert.Equal(3, MetricsScrape.Value(metrics, "fleet_gateway_devices_connected"));
        }
        finally
        {
            foreach (var e in edges) await e.DisposeAsync();
        }
    }

    [Fact]
    public async Task Only_the_sre_role_may_engage_and_bad_scopes_are_refused_without_changing_anything()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var viewer = await cloud.Api.PostAsync<Fleet.Shared.Tokens.TokenReplies.Created>("api/v1/tokens",
            new Fleet.Cloud.Tokens.TokenEndpoints.CreateTokenRequest("viewer", null, "dashboard"));
        using var asViewer = new Fleet.Cloud.Api.ApiClient(cloud.Options.HttpUrl, viewer.Token);

        var denied = await Assert.ThrowsAsync<Fleet.Shared.Cli.FleetException>(() =>
            asViewer.PostAsync<KillCommands.Result>("api/v1/kill", new KillSwitchEndpoints.EngageRequest("all-generative", "not mine to do")));
        Assert.StartsWith("403", denied.Message);
        var badScope = await Assert.ThrowsAsync<Fleet.Shared.Cli.FleetException>(() => EngageAsync(cloud, "model:minilm"));
        Assert.StartsWith("400", badScope.Message);

        var state = await asViewer.GetAsync<KillCommands.State>("api/v1/kill");
        Assert.Empty(state.Kills);
        Assert.Equal(0, state.Epoch);
    }

    [Fact]
    public async Task A_device_offline_during_a_kill_syncs_it_as_soon_as_it_returns()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true);
        var offline = EdgeUnderTest.StartEnrolled(await cloud.EnrolAsync("kiosk-away", tmp.Sub("away")));
        await cloud.WaitForDevicesUpAsync(1);
        await offline.DisposeAsync();
        // Its stream ended, so the registry lists it offline and the kill below waits for it.
        await Eventually.Until(cloud.DevicesAsync, d => d.Single().Connectivity == Fleet.Shared.Devices.Connectivity.Offline, Within, "kiosk-away offline");

        var engaged = await EngageAsync(cloud, "campaign:summer-sale");
        var pending = await StatusAsync(cloud, engaged.Directive!.Id);
        Assert.Equal("pending", Assert.Single(pending.Devices).State);

        await using var back = EdgeUnderTest.StartEnrolled(tmp.Sub("away"));
        await Eventually.Until(() => StatusAsync(cloud, engaged.Directive.Id), s => s.Pending == 0, Within, "the returning device acknowledges");
        var store = new Fleet.Edge.KillSwitch.PolicyStore(tmp.Sub("away"));
        var enforced = store.Load(store.LoadTrust());
        Assert.NotNull(enforced.Blocking(new RenderArtifacts("summer-sale", null, null)));
    }

    [Fact]
    public async Task A_second_control_node_takes_over_the_authority_and_no_device_misses_a_kill()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        var first = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), secure: true);
        await using var second = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), seeds: new[] { first.Seed }, secure: true);
        await using var edge = EdgeUnderTest.StartEnrolled(await first.EnrolAsync("kiosk-1", tmp.Sub("e")), gateways: new[] { first.Gateway, second.Gateway });
        await second.WaitForDevicesUpAsync(1);
        var before = await EngageAsync(first, "model:minilm@1.0.0");

        await first.DisposeAsync(); // the oldest node, which hosts the singleton and the device's gateway, leaves

        var after = await Eventually.Until(() => EngageAsync(second, "template:end-card@1.0.0"), r => r.Error is null, Within, "engage on the new authority");
        Assert.Equal(before.Epoch + 1, after.Epoch);
        await Eventually.Until(() => StatusAsync(second, after.Directive!.Id), s => s.Pending == 0, Within, "acknowledged after hand-over");
    }
}
