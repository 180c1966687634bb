using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Fleet.Edge.Identity;
using Fleet.Edge.Link;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security.Pki;

namespace Fleet.Edge.Node.Tests.Link;

/// <summary>
/// An enrolled device's gateway link with a real fleet CA and device certificate; each stream is a
/// <see cref="ScriptedConnection"/> that reports the frames the link sends, and the spec answers as a gateway would. It
/// decides what a session starts with (a signed registration, then the kill policy before the assignments), where the
/// gateway's records go, that a lost stream fails over to the next gateway and late news of it is ignored, that a stuck
/// stream is replaced, and that a refusal ends the agent instead of retrying. The real stream is covered end to end by
/// the integration tests.
/// </summary>
public sealed class GatewayLinkSpec : TestKit, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly SeedAddress GatewayA = new("gw-a.example", 4443);
    private static readonly SeedAddress GatewayB = new("gw-b.example", 4443);
    private static readonly DeviceFacts Facts = new("kiosk-1", "inst-1", "pi", 4, 4096, "arm64", "Debian", [], [], "0.1.0",
        new Dictionary<string, string>());

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("fleet-gateway-link-spec");
    private readonly FleetCa _ca;
    private readonly EdgeCredentials _credentials;
    private readonly TestProbe _wire; // what the link opens and sends, in order
    private readonly TestProbe _policy;
    private readonly TestProbe _manifests;
    private readonly LinkSession _session = new();
    private readonly Dictionary<int, ScriptedConnection> _connections = new();

    public GatewayLinkSpec() : base("akka.loglevel = WARNING")
    {
        _ca = FleetCa.Create(Path.Combine(_data.FullName, "ca", FleetCa.KeyFile));
        using var cert = _ca.IssueDeviceWithKey("kiosk-1", TimeSpan.FromDays(30));
        var bundle = new EnrolmentBundle("kiosk-1", cert.ExportCertificatePem(), null, _ca.Certificate.ExportCertificatePem(), [], null,
            new Dictionary<string, string>(), null, ["gw-a.example:4443", "gw-b.example:4443"]);
        _credentials = EnrolmentStore.Save(Path.Combine(_data.FullName, "edge"), bundle, FleetCertificates.KeyPem(cert));
        _wire = CreateTestProbe();
        _policy = CreateTestProbe();
        _manifests = CreateTestProbe();
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        _ca.Dispose();
        _data.Delete(recursive: true);
    }

    /// <summary>A stream the spec answers for; <see cref="Stuck"/> makes it refuse frames as a full send queue does.</summary>
    private sealed class ScriptedConnection(SeedAddress gateway, int attempt, IActorRef link, IActorRef wire) : IGatewayConnection
    {
        public SeedAddress Gateway { get; } = gateway;
        public volatile bool Stuck;

        public bool TrySend(DeviceFrame frame)
        {
            if (Stuck) return false;
            wire.Tell(new Sent(attempt, frame));
            return true;
        }

        public void Answer(object record) => link.Tell(new GatewayConnection.Received(attempt, record));

        public void End(string reason) => link.Tell(new GatewayConnection.Lost(attempt, reason));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed record Opened(SeedAddress Gateway, int Attempt);

    private sealed record Sent(int Attempt, DeviceFrame Frame);

    private IActorRef Link()
    {
        GatewayConnector connect = (gateway, credentials, link, attempt) =>
        {
            Assert.Same(_credentials.Certificate, credentials.Certificate);
            var connection = new ScriptedConnection(gateway, attempt, link, _wire.Ref);
            lock (_connections) _connections[attempt] = connection;
            _wire.Ref.Tell(new Opened(gateway, attempt));
            return connection;
        };
        return Sys.ActorOf(GatewayLinkActor.Props(new GatewayLinkSettings([GatewayA, GatewayB], _credentials, Facts, _policy.Ref, _manifests.Ref,
            Uplink: null, DataDir: Path.Combine(_data.FullName, "edge"), Connector: connect), _session));
    }

    private ScriptedConnection Connection(int attempt) { lock (_connections) return _connections[attempt]; }

    private DeviceFrame.BodyOneofCase NextFrame(int attempt)
    {
        var sent = _wire.ExpectMsg<Sent>(Wait);
        Assert.Equal(attempt, sent.Attempt);
        return sent.Frame.BodyCase;
    }

    /// <summary>Opens the link, checks its first attempt goes to <paramref name="gateway"/> with a registration, and answers it.</summary>
    private void Registers(int attempt, SeedAddress gateway)
    {
        Assert.Equal(new Opened(gateway, attempt), _wire.ExpectMsg<Opened>(Wait));
        var register = _wire.ExpectMsg<Sent>(Wait);
        Assert.Equal((attempt, DeviceFrame.BodyOneofCase.Register), (register.Attempt, register.Frame.BodyCase));
        Connection(attempt).Answer(new DeviceReplies.Registered("kiosk-1", attempt == 1));
    }

    [Fact]
    public void A_session_opens_with_a_registration_signed_by_the_device_certificate_then_syncs_the_kill_policy_before_the_assignments()
    {
        Link();
        Assert.Equal(new Opened(GatewayA, 1), _wire.ExpectMsg<Opened>(Wait));
        var register = _wire.ExpectMsg<Sent>(Wait).Frame.Register;
        Assert.Contains("\"kiosk-1\"", register.FactsJson);
        // The proof carries the certificate in use, so the gateway can check the signature against the TLS identity.
        Assert.Equal(_credentials.Certificate.RawData, X509CertificateLoader.LoadCertificate(register.ProofCertificate.ToByteArray()).RawData);
        Assert.False(register.ProofSignature.IsEmpty);

        Connection(1).Answer(new DeviceReplies.Registered("kiosk-1", true));
        Assert.Equal(DeviceFrame.BodyOneofCase.KillSync, NextFrame(1));
        Assert.Equal(DeviceFrame.BodyOneofCase.AssignmentRequest, NextFrame(1));
        Assert.Equal("kiosk-1", _session.Registered.Wait(Wait) ? _session.Registered.Result : null);
        Assert.True(_session.Joined);
    }

    [Fact]
    public void The_gateways_policies_and_tables_reach_the_local_actors_and_acknowledgements_go_back_as_frames()
    {
        var link = Link();
        Registers(1, GatewayA);
        NextFrame(1); // kill sync
        NextFrame(1); // assignment request
        var policy = new SignedKillPolicy("{}", 7, "{}");
        Connection(1).Answer(policy);
        Assert.Same(policy, _policy.ExpectMsg<SignedKillPolicy>(Wait));
        var table = new AssignmentTable(3, [], "{}");
        Connection(1).Answer(table);
        Assert.Same(table, _manifests.ExpectMsg<AssignmentTable>(Wait));

        link.Tell(new KillCommands.Ack("kiosk-1", 7, DateTimeOffset.UtcNow));
        var ack = _wire.ExpectMsg<Sent>(Wait);
        Assert.Equal((DeviceFrame.BodyOneofCase.KillAck, 7L), (ack.Frame.BodyCase, ack.Frame.KillAck.Epoch));
    }

    [Fact]
    public void A_lost_stream_fails_over_to_the_next_gateway_and_news_of_the_old_stream_is_ignored()
    {
        Link();
        Registers(1, GatewayA);
        NextFrame(1);
        NextFrame(1);
        Connection(1).End("Unavailable: gateway restarting");

        // The next attempt (after the rejoin backoff, about a second) goes to the other gateway and registers again.
        Registers(2, GatewayB);
        Assert.Equal(DeviceFrame.BodyOneofCase.KillSync, NextFrame(2));
        // A policy the old stream delivers late is dropped; the new stream's arrives.
        Connection(1).Answer(new SignedKillPolicy("{}", 1, "{}"));
        var current = new SignedKillPolicy("{}", 2, "{}");
        Connection(2).Answer(current);
        Assert.Same(current, _policy.ExpectMsg<SignedKillPolicy>(Wait));
    }

    [Fact]
    public void A_stream_that_stops_taking_frames_is_replaced()
    {
        var link = Link();
        Registers(1, GatewayA);
        NextFrame(1);
        NextFrame(1);
        Connection(1).Stuck = true;
        link.Tell(new KillCommands.Ack("kiosk-1", 1, DateTimeOffset.UtcNow));
        Assert.Equal(new Opened(GatewayB, 2), _wire.ExpectMsg<Opened>(Wait));
    }

    [Fact]
    public void A_refusal_ends_the_agent_with_the_reason_instead_of_retrying()
    {
        Link();
        Assert.Equal(new Opened(GatewayA, 1), _wire.ExpectMsg<Opened>(Wait));
        _wire.ExpectMsg<Sent>(Wait);
        Connection(1).Answer(new DeviceReplies.Refused("kiosk-1", "device 'kiosk-1' is revoked"));
        Assert.True(Sys.WhenTerminated.Wait(Wait), "the refused agent's actor system ends");
        Assert.Equal("device 'kiosk-1' is revoked", _session.RefusedReason);
        Assert.False(_session.Registered.IsCompleted);
    }
}
