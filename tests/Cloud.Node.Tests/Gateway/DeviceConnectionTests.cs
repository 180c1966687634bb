using System.Threading.Channels;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Fleet.Cloud.Gateway;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Devices;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Node.Tests.Gateway;

/// <summary>One device's connection actor with its real send queue; the control-plane targets are test probes.</summary>
public sealed class DeviceConnectionTests : TestKit
{
    private readonly Akka.TestKit.TestProbe _registry;
    private readonly Akka.TestKit.TestProbe _kill;
    private readonly Akka.TestKit.TestProbe _telemetry;
    private readonly Akka.TestKit.TestProbe _campaigns;
    private readonly List<string> _audited = new();

    public DeviceConnectionTests()
    {
        _registry = CreateTestProbe();
        _kill = CreateTestProbe();
        _telemetry = CreateTestProbe();
        _campaigns = CreateTestProbe();
    }

    private GatewayTargets Targets => new(_registry.Ref, _kill.Ref, _telemetry.Ref, _campaigns.Ref, (d, a, detail) => _audited.Add($"{d} {a} {detail}"));

    private static DeviceFacts Facts(string id) => new(id, "inst-1", "pi", 4, 4096, "arm64", "Debian", [], [], "0.1.0",
        new Dictionary<string, string> { ["store"] = "self-claimed" });

    private (IActorRef Connection, Channel<CloudFrame> Queue) Open(string deviceId, GatewayLimits? limits = null)
    {
        limits ??= new GatewayLimits();
        var queue = Channel.CreateBounded<CloudFrame>(limits.SendQueue);
        return (Sys.ActorOf(DeviceConnection.Props(deviceId, queue.Writer, Targets, limits)), queue);
    }

    private IActorRef Registered(string deviceId, Channel<CloudFrame> queue, IActorRef connection, IReadOnlyDictionary<string, string> tags)
    {
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.Register(Facts(deviceId), null)));
        var register = _registry.ExpectMsg<DeviceCommands.Register>();
        Assert.Equal(DeviceFrames.GatewayAddress, register.Address);
        _registry.Reply(new DeviceReplies.Registered(deviceId, true, null, tags));
        AwaitCondition(() => queue.Reader.TryPeek(out var f) && f.BodyCase == CloudFrame.BodyOneofCase.Registered);
        queue.Reader.TryRead(out _);
        return connection;
    }

    [Fact]
    public void Each_frame_goes_to_its_one_target_stamped_with_the_certificates_device_and_the_registrys_tags()
    {
        var (connection, queue) = Open("kiosk-1");
        Registered("kiosk-1", queue, connection, new Dictionary<string, string> { ["store"] = "berlin" });

        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.KillSync()));
        Assert.Equal("kiosk-1", _kill.ExpectMsg<KillCommands.Sync>().DeviceId);
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.KillAck(new KillCommands.Ack("someone-else", 7, DateTimeOffset.UtcNow))));
        var ack = _kill.ExpectMsg<KillCommands.Ack>();
        Assert.Equal(("kiosk-1", 7L), (ack.DeviceId, ack.Epoch));
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.Telemetry(new TelemetryProtocol.Batch("kiosk-1", 1, [], [1, 2], 0,
            new Dictionary<string, string> { ["store"] = "self-claimed" }))));
        var batch = _telemetry.ExpectMsg<TelemetryProtocol.Batch>();
        Assert.Equal(("kiosk-1", "berlin"), (batch.DeviceId, batch.Tags["store"]));
        _campaigns.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_policy_broadcast_before_the_registration_finished_reaches_the_device_with_its_next_heartbeat()
    {
        var (connection, queue) = Open("kiosk-1");
        connection.Tell(new SignedKillPolicy("{}", 3, "{}")); // before the registration: not sent yet
        Registered("kiosk-1", queue, connection, new Dictionary<string, string>());
        // The device's own sync is answered from an older state (epoch 2) ...
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.KillSync()));
        _kill.ExpectMsg<KillCommands.Sync>();
        _kill.Reply(new SignedKillPolicy("{}", 2, "{}"));
        Assert.Equal(2L, NextPolicy(queue).Epoch);
        // ... so the heartbeat brings epoch 3, once: the next heartbeat sends nothing more before the registry sees it.
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.Heartbeat("inst-1")));
        _registry.ExpectMsg<DeviceCommands.Heartbeat>();
        Assert.Equal(3L, NextPolicy(queue).Epoch);
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.Heartbeat("inst-1")));
        _registry.ExpectMsg<DeviceCommands.Heartbeat>();
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.KillSync()));
        _kill.ExpectMsg<KillCommands.Sync>();
        _kill.Reply(new SignedKillPolicy("{}", 3, "{}"));
        Assert.Equal(3L, NextPolicy(queue).Epoch); // the sync's answer, not a second catch-up before it
    }

    [Fact]
    public void Repeats_of_an_epoch_the_device_acknowledged_stay_at_the_gateway_unless_the_trust_changed_or_a_while_passed()
    {
        var (connection, queue) = Open("kiosk-1", new GatewayLimits { AckedPolicyRepeat = TimeSpan.FromSeconds(1) });
        Registered("kiosk-1", queue, connection, new Dictionary<string, string>());
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-a"));
        Assert.Equal(4L, NextPolicy(queue).Epoch);
        // Not acknowledged yet: the authority's repeat goes out.
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-a"));
        Assert.Equal(4L, NextPolicy(queue).Epoch);
        Acknowledge(connection, 4);

        // Acknowledged: the repeat stays here; a sync the device asks for is still answered.
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-a"));
        AssertNothingQueued(connection, queue);
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.KillSync()));
        _kill.ExpectMsg<KillCommands.Sync>();
        _kill.Reply(new SignedKillPolicy("{}", 4, "trust-a"));
        Assert.Equal(4L, NextPolicy(queue).Epoch);

        // Another trust set with the same epoch goes out, and so does a repeat once the interval has passed.
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-b"));
        Assert.Equal("trust-b", NextPolicy(queue).TrustSetJson);
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-b"));
        AssertNothingQueued(connection, queue);
        Thread.Sleep(TimeSpan.FromSeconds(1.2));
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-b"));
        Assert.Equal(4L, NextPolicy(queue).Epoch);
        connection.Tell(new SignedKillPolicy("{}", 5, "trust-b"));
        Assert.Equal(5L, NextPolicy(queue).Epoch);
    }

    [Fact]
    public void A_control_node_leaving_asks_for_fresh_credentials_and_lets_the_next_repeat_through_to_be_acknowledged_again()
    {
        var (connection, queue) = Open("kiosk-1");
        Registered("kiosk-1", queue, connection, new Dictionary<string, string>());
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-a"));
        Assert.Equal(4L, NextPolicy(queue).Epoch);
        Acknowledge(connection, 4);
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-a"));
        AssertNothingQueued(connection, queue);

        // The node that held the authority left, perhaps with that ack unwritten: the new authority's repeat goes out ...
        connection.Tell(DeviceConnection.ControlNodeGone.Instance);
        CloudFrame? renew = null;
        AwaitCondition(() => queue.Reader.TryRead(out renew));
        Assert.Equal(CloudFrame.BodyOneofCase.RenewCredentials, renew!.BodyCase);
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-a"));
        Assert.Equal(4L, NextPolicy(queue).Epoch);
        // ... and once the device acknowledged it again, the repeats stay here again.
        Acknowledge(connection, 4);
        connection.Tell(new SignedKillPolicy("{}", 4, "trust-a"));
        AssertNothingQueued(connection, queue);
    }

    /// <summary>The device acknowledges <paramref name="epoch"/> on its stream, and the ack reaches the kill authority.</summary>
    private void Acknowledge(IActorRef connection, long epoch)
    {
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.KillAck(new KillCommands.Ack("kiosk-1", epoch, DateTimeOffset.UtcNow))));
        Assert.Equal(epoch, _kill.ExpectMsg<KillCommands.Ack>().Epoch);
    }

    /// <summary>Once the registry has the heartbeat sent now, the connection handled everything sent before it: nothing was queued.</summary>
    private void AssertNothingQueued(IActorRef connection, Channel<CloudFrame> queue)
    {
        connection.Tell(new DeviceConnection.Inbound(DeviceFrames.Heartbeat("inst-1")));
        _registry.ExpectMsg<DeviceCommands.Heartbeat>();
        Assert.False(queue.Reader.TryRead(out var frame), $"a {frame?.BodyCase} frame was queued");
    }

    private Fleet.Shared.Gateway.Wire.KillPolicy NextPolicy(Channel<CloudFrame> queue)
    {
        CloudFrame? frame = null;
        AwaitCondition(() => queue.Reader.TryRead(out frame));
        Assert.Equal(CloudFrame.BodyOneofCase.KillPolicy, frame!.BodyCase);
        return frame.KillPolicy;
    }

    [Fact]
    public void Table_pulls_are_answered_from_the_newest_table_seen_and_reach_the_store_once_in_every_few()
    {
        var (connection, queue) = Open("kiosk-1");
        Registered("kiosk-1", queue, connection, new Dictionary<string, string>());
        var pull = new DeviceConnection.Inbound(DeviceFrames.AssignmentRequest());

        // No table seen yet: the pull goes to the store, stamped with the certificate's device, and its answer to the device.
        connection.Tell(pull);
        Assert.Equal("kiosk-1", _campaigns.ExpectMsg<GetAssignmentTable>().DeviceId);
        _campaigns.Reply(new AssignmentTable(1, [], "{}"));
        Assert.Equal(1, NextTable(queue).Revision);

        // A broadcast goes out at once, and answers the next pulls without the store ...
        connection.Tell(new AssignmentTable(2, [], "{}"));
        Assert.Equal(2, NextTable(queue).Revision);
        for (var i = 1; i < DeviceConnection.PullsPerStoreAsk; i++)
        {
            connection.Tell(pull);
            Assert.Equal(2, NextTable(queue).Revision);
        }
        _campaigns.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // ... until one in every few asks the store again, in case this gateway missed a broadcast.
        connection.Tell(pull);
        _campaigns.ExpectMsg<GetAssignmentTable>();
        _campaigns.Reply(new AssignmentTable(1, [], "{}")); // a slow answer, older than the broadcast
        Assert.Equal(1, NextTable(queue).Revision);
        connection.Tell(pull);
        Assert.Equal(2, NextTable(queue).Revision); // it did not replace the newer table
    }

    private static AssignmentTable NextTable(Channel<CloudFrame> queue)
    {
        Assert.True(SpinWait.SpinUntil(() => queue.Reader.TryPeek(out _), TimeSpan.FromSeconds(3)), "a table frame");
        queue.Reader.TryRead(out var frame);
        Assert.Equal(CloudFrame.BodyOneofCase.Assignments, frame!.BodyCase);
        return System.Text.Json.JsonSerializer.Deserialize<AssignmentTable>(frame.Assignments.TableJson, Fleet.Shared.Serialization.FleetJson.Options)!;
    }

    [Fact]
    public void Telemetry_beyond_the_rate_limit_is_rejected_with_a_reason_and_never_forwarded()
    {
        var (connection, queue) = Open("kiosk-1", new GatewayLimits { TelemetryPerSecond = 0.01, TelemetryBurst = 2 });
        Registered("kiosk-1", queue, connection, new Dictionary<string, string>());
        for (var seq = 1; seq <= 3; seq++)
            connection.Tell(new DeviceConnection.Inbound(DeviceFrames.Telemetry(new TelemetryProtocol.Batch("kiosk-1", seq, [], [1], 0, new Dictionary<string, string>()))));
        _telemetry.ExpectMsg<TelemetryProtocol.Batch>(b => b.Seq == 1);
        _telemetry.ExpectMsg<TelemetryProtocol.Batch>(b => b.Seq == 2);
        _telemetry.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        AwaitCondition(() => queue.Reader.TryPeek(out var f) && f.BodyCase == CloudFrame.BodyOneofCase.TelemetryRejected);
        queue.Reader.TryRead(out var rejected);
        Assert.Equal(3, rejected!.TelemetryRejected.Seq);
        Assert.StartsWith("rate limit:", rejected.TelemetryRejected.Reason);
    }

    [Fact]
    public void A_device_that_does_not_read_its_stream_is_dropped_instead_of_growing_the_queue()
    {
        var (connection, queue) = Open("kiosk-slow", new GatewayLimits { SendQueue = 4 });
        Registered("kiosk-slow", queue, connection, new Dictionary<string, string>());
        Watch(connection);
        var policy = new SignedKillPolicy("{}", 1, "{}");
        for (var i = 0; i < 10; i++) connection.Tell(policy);
        ExpectTerminated(connection);
        var drained = new List<CloudFrame>();
        while (queue.Reader.TryRead(out var f)) drained.Add(f);
        Assert.Equal(4, drained.Count);
        Assert.True(queue.Reader.Completion.IsCompleted, "the queue is completed, which ends the device's stream");
    }

    [Fact]
    public void Revocation_closes_the_stream_with_the_reason()
    {
        var (connection, queue) = Open("kiosk-1");
        Registered("kiosk-1", queue, connection, new Dictionary<string, string>());
        Watch(connection);
        connection.Tell(new DeviceConnection.Close("device 'kiosk-1' is revoked"));
        ExpectTerminated(connection);
        Assert.True(queue.Reader.TryRead(out var last));
        Assert.Equal("device 'kiosk-1' is revoked", last!.Refused.Reason);
    }

    [Fact]
    public void A_device_flooding_control_frames_has_its_stream_ended_and_audited_before_the_registry_sees_the_flood()
    {
        var (connection, queue) = Open("kiosk-1", new GatewayLimits { ControlFramesPerSecond = 0.01, ControlFrameBurst = 5 });
        Registered("kiosk-1", queue, connection, new Dictionary<string, string>());
        Watch(connection);
        for (var i = 0; i < 20; i++) connection.Tell(new DeviceConnection.Inbound(DeviceFrames.Heartbeat("inst-1")));
        ExpectTerminated(connection);
        // The registration took one token: four heartbeats pass, the fifth ends the stream, the rest reach nobody.
        for (var i = 0; i < 4; i++) _registry.ExpectMsg<DeviceCommands.Heartbeat>();
        _registry.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Contains(_audited, a => a.StartsWith("kiosk-1 gateway.frame-budget", StringComparison.Ordinal));
        var last = default(CloudFrame);
        while (queue.Reader.TryRead(out var f)) last = f;
        Assert.StartsWith("frame budget:", last!.Refused.Reason);
    }

    [Fact]
    public void Certificate_requests_go_to_the_registry_stamped_and_the_answer_to_the_device_within_the_streams_rate_limit()
    {
        var (connection, queue) = Open("kiosk-1", new GatewayLimits { RenewalsPerSecond = 0.001, RenewalBurst = 1 });
        Registered("kiosk-1", queue, connection, new Dictionary<string, string>());
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = DeviceFrames.RenewCertificate(Fleet.Shared.Security.Pki.DeviceCsr.Create("kiosk-1", key));

        connection.Tell(new DeviceConnection.Inbound(request));
        Assert.Equal("kiosk-1", _registry.ExpectMsg<DeviceCommands.RenewCertificate>().DeviceId);
        _registry.Reply(new DeviceReplies.CertificateIssued("kiosk-1", "PEM"));
        AwaitCondition(() => queue.Reader.TryPeek(out var f) && f.BodyCase == CloudFrame.BodyOneofCase.Certificate);
        queue.Reader.TryRead(out var issued);
        Assert.Equal("PEM", issued!.Certificate.CertificatePem);

        connection.Tell(new DeviceConnection.Inbound(request));
        _registry.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        AwaitCondition(() => queue.Reader.TryPeek(out var f) && f.BodyCase == CloudFrame.BodyOneofCase.Certificate);
        queue.Reader.TryRead(out var limited);
        Assert.StartsWith("rate limit:", limited!.Certificate.Refused);
        Assert.Contains(_audited, a => a.StartsWith("kiosk-1 certificate.renewal-refused rate limit"));
    }
}
