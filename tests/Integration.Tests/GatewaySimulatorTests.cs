using Fleet.Bench;
using Fleet.Bench.Simulator;
using Fleet.Shared.Devices;

namespace Fleet.Integration.Tests;

/// <summary>The gateway benchmark's device simulator against a real cloud process: correctness only, no timings.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GatewaySimulatorTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Twenty_simulated_devices_register_through_the_gateway_and_all_acknowledge_a_kill()
    {
        using var tmp = new TempDir();
        var ids = SimulatorIdentities.LoadOrIssue(tmp.Sub("certificates"), 20);
        using var cloud = await BenchCloud.StartAsync(FleetProcess.CloudDll, tmp.Sub("cloud"), Ports.Free(), Ports.Free(), mtls: true,
            new BenchCloud.NodeShape(SimulatorIdentities.CaKeyPath(tmp.Sub("certificates"))));
        await using var sim = new DeviceSimulator(ids.Certificates, ids.Ca, new[] { cloud.Gateway! }, parallel: 8);

        await sim.ConnectAllAsync(Within, _ => { });
        Assert.Equal(20, sim.Registered);
        var devices = await Eventually.Until(cloud.DevicesAsync, d => d.Count(v => v.Connectivity == Connectivity.Up) == 20, Within, "20 devices listed up");
        Assert.All(devices, d => Assert.StartsWith(SimulatorIdentities.Prefix, d.DeviceId));

        var watch = sim.Watch(1);
        using var engaged = await cloud.PostJsonAsync("api/v1/kill", new { scope = "model:simulated@1.0.0", reason = "test" });
        Assert.Equal(1, engaged.RootElement.GetProperty("epoch").GetInt64());
        await watch.AllReceived.WaitAsync(Within);
        Assert.Equal(20, watch.Received);

        var id = engaged.RootElement.GetProperty("directive").GetProperty("id").GetString();
        using var status = await Eventually.Until(() => cloud.GetJsonAsync($"api/v1/kill/{id}"),
            s => s.RootElement.GetProperty("pending").GetInt32() == 0, Within, "every device acknowledged");
        Assert.Equal(20, status.RootElement.GetProperty("acknowledged").GetInt32());
        Assert.All(status.RootElement.GetProperty("devices").EnumerateArray(), d => Assert.Equal(1, d.GetProperty("acked_epoch").GetInt64()));
        Assert.Equal(0, sim.Lost);
    }
}
