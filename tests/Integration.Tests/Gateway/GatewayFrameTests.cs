using Fleet.Cloud.Audit;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.Security.Pki;
using Grpc.Core;

namespace Fleet.Integration.Tests.Gateway;

/// <summary>
/// What a device holding a valid certificate can and cannot do on its stream, tried with hand-made frames against a
/// real gateway: it can only speak for itself, in order, within the frame size; anything else ends its stream.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class GatewayFrameTests
{
    private static async Task<(CloudUnderTest Cloud, FleetCa Ca)> StartAsync(TempDir tmp)
    {
        var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true);
        return (cloud, FleetCa.Load(CloudOptions.DefaultCaKeyPath(tmp.Sub("cloud"))));
    }

    private static RawDevice Connect(CloudUnderTest cloud, FleetCa ca, string deviceId) =>
        new(cloud.Gateway, ca.IssueDeviceWithKey(deviceId, TimeSpan.FromDays(1)), ca.Certificate);

    private static string[] AuditLines(CloudUnderTest cloud) => File.ReadAllLines(Path.Combine(cloud.Options.DataDir, CloudAudit.LogFile));

    [Fact]
    public async Task A_registered_device_gets_its_policy_and_assignments_on_request()
    {
        using var tmp = new TempDir();
        var (cloud, ca) = await StartAsync(tmp);
        await using var _ = cloud;
        using var device = Connect(cloud, ca, "kiosk-raw");
        await device.SendAsync(device.Register("kiosk-raw"));
        Assert.True((await device.UntilAsync(CloudFrame.BodyOneofCase.Registered))!.Registered.FirstTime);
        await device.SendAsync(DeviceFrames.KillSync());
        Assert.Equal(0, (await device.UntilAsync(CloudFrame.BodyOneofCase.KillPolicy))!.KillPolicy.Epoch);
        await device.SendAsync(DeviceFrames.AssignmentRequest());
        Assert.NotNull(await device.UntilAsync(CloudFrame.BodyOneofCase.Assignments));
        var listed = Assert.Single(await cloud.WaitForDevicesUpAsync(1));
        Assert.Equal("kiosk-raw", listed.DeviceId);
        Assert.Contains("/user/gateway/kiosk-raw@", listed.Address);
    }

    [Fact]
    public async Task A_stream_that_does_not_open_with_a_registration_is_refused()
    {
        using var tmp = new TempDir();
        var (cloud, ca) = await StartAsync(tmp);
        await using var _ = cloud;
        using var device = Connect(cloud, ca, "kiosk-early");
        await device.SendAsync(DeviceFrames.KillSync());
        var refused = await device.UntilAsync(CloudFrame.BodyOneofCase.Refused);
        Assert.Contains("the first frame on a stream must be a registration, not KillSync", refused!.Refused.Reason);
        Assert.Null(await device.NextAsync());
        Assert.Empty(await cloud.DevicesAsync());
    }

    [Fact]
    public async Task Frames_naming_another_device_are_refused_audited_and_end_the_stream()
    {
        using var tmp = new TempDir();
        var (cloud, ca) = await StartAsync(tmp);
        await using var _ = cloud;

        // Registering as another device with one's own certificate.
        using (var impostor = Connect(cloud, ca, "kiosk-a"))
        {
            await impostor.SendAsync(impostor.Register("kiosk-b"));
            var refused = await impostor.UntilAsync(CloudFrame.BodyOneofCase.Refused);
            Assert.Equal("a registration naming device 'kiosk-b' arrived on the stream of device 'kiosk-a'", refused!.Refused.Reason);
        }

        // A sync report for another device, after registering honestly.
        using var device = Connect(cloud, ca, "kiosk-c");
        await device.SendAsync(device.Register("kiosk-c"));
        Assert.NotNull(await device.UntilAsync(CloudFrame.BodyOneofCase.Registered));
        await device.SendAsync(DeviceFrames.SyncReport(new Fleet.Shared.Campaigns.DeviceSyncReport("kiosk-d", [], [], DateTimeOffset.UtcNow)));
        var second = await device.UntilAsync(CloudFrame.BodyOneofCase.Refused);
        Assert.Equal("a sync report naming device 'kiosk-d' arrived on the stream of device 'kiosk-c'", second!.Refused.Reason);
        Assert.Null(await device.NextAsync());

        var audit = AuditLines(cloud);
        Assert.Contains(audit, l => l.Contains("gateway.frame-refused") && l.Contains("device:kiosk-a") && l.Contains("kiosk-b"));
        Assert.Contains(audit, l => l.Contains("gateway.frame-refused") && l.Contains("device:kiosk-c") && l.Contains("kiosk-d"));
        Assert.Equal(new[] { "kiosk-c" }, (await cloud.DevicesAsync()).Select(d => d.DeviceId));
    }

    [Fact]
    public async Task Malformed_and_oversized_frames_end_only_that_devices_stream()
    {
        using var tmp = new TempDir();
        var (cloud, ca) = await StartAsync(tmp);
        await using var _ = cloud;
        using var bystander = Connect(cloud, ca, "kiosk-ok");
        await bystander.SendAsync(bystander.Register("kiosk-ok"));
        Assert.NotNull(await bystander.UntilAsync(CloudFrame.BodyOneofCase.Registered));

        using (var garbled = Connect(cloud, ca, "kiosk-json"))
        {
            await garbled.SendAsync(new DeviceFrame { Register = new Register { FactsJson = "{\"device_id\": \"kiosk-json\", " } });
            var refused = await garbled.UntilAsync(CloudFrame.BodyOneofCase.Refused);
            Assert.StartsWith("malformed JSON in a Register frame", refused!.Refused.Reason);
        }

        using (var huge = Connect(cloud, ca, "kiosk-huge"))
        {
            await huge.SendAsync(huge.Register("kiosk-huge"));
            Assert.NotNull(await huge.UntilAsync(CloudFrame.BodyOneofCase.Registered));
            var batch = DeviceFrames.Telemetry(new Fleet.Shared.Telemetry.TelemetryProtocol.Batch("kiosk-huge", 1, [], new byte[2 * 1024 * 1024], 0,
                new Dictionary<string, string>()));
            var ended = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await huge.SendAsync(batch);
                while (await huge.NextAsync() is not null) { }
                throw new InvalidOperationException("the stream ended without an error");
            });
            Assert.True(ended is RpcException { StatusCode: StatusCode.ResourceExhausted or StatusCode.Cancelled or StatusCode.Internal or StatusCode.Unavailable },
                $"an oversized frame ends the stream with an error, got {ended.GetType().Name}: {ended.Message}");
        }

        // The other device's stream carries on.
        await bystander.SendAsync(DeviceFrames.KillSync());
        Assert.NotNull(await bystander.UntilAsync(CloudFrame.BodyOneofCase.KillPolicy));
    }

    [Fact]
    public async Task A_node_certificate_is_not_a_device_and_is_refused_at_the_handshake()
    {
        using var tmp = new TempDir();
        var (cloud, ca) = await StartAsync(tmp);
        await using var _ = cloud;
        using var node = new RawDevice(cloud.Gateway, ca.IssueNode("rogue:1", new[] { "control", "gateway" }, new[] { "127.0.0.1" }, TimeSpan.FromDays(1)), ca.Certificate);
        var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await node.SendAsync(node.Register("rogue"));
            await node.NextAsync();
        });
        Assert.True(RawDevice.IsRefusedHandshake(refused), $"the handshake is refused, got {refused.GetType().Name}: {refused.Message}");
        Assert.Empty(await cloud.DevicesAsync());
    }
}
