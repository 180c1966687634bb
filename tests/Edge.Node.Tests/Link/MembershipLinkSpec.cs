using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Fleet.Edge.Hosting;
using Fleet.Edge.Link;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Devices;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Tokens;

namespace Fleet.Edge.Node.Tests.Link;

/// <summary>
/// A development member's link actor on a real one-node cluster over loopback; the cloud actors it talks to (device
/// registry, kill-switch authority, campaign store) and the node's policy and manifests actors are test probes. It decides
/// what follows a registration (kill policy first, then assignments), where policies and acknowledgements go, and that a
/// refusal ends the session instead of retrying.
/// </summary>
public sealed class MembershipLinkSpec : TestKit, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly DeviceFacts Facts = new("kiosk-1", "inst-1", "pi", 4, 4096, "arm64", "Debian", [], [], "0.1.0",
        new Dictionary<string, string> { ["store"] = "berlin" });

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("fleet-link-spec");
    private readonly Outbox _outbox;
    private readonly TestProbe _registry;
    private readonly TestProbe _cloud; // kill-switch authority and campaign store: one probe, so their order shows
    private readonly TestProbe _policy;
    private readonly TestProbe _manifests;
    private readonly LinkSession _session = new();

    public MembershipLinkSpec() : base("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = WARNING
        """)
    {
        _outbox = Outbox.Open(Path.Combine(_data.FullName, "outbox"));
        _registry = CreateTestProbe();
        _cloud = CreateTestProbe();
        _policy = CreateTestProbe();
        _manifests = CreateTestProbe();
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        _outbox.Dispose();
        _data.Delete(recursive: true);
    }

    private IActorRef Link() => Sys.ActorOf(LinkActor.Props(new MembershipLinkSettings(Facts, _ => null, _registry.Ref, _cloud.Ref, _cloud.Ref,
        new LocalDevice(_policy.Ref, _manifests.Ref, _outbox, Sys.EventStream)), _session));

    /// <summary>The link's first registration, once this node is up, answered as the registry would.</summary>
    private IActorRef Registered(DeviceCredentials? credentials = null)
    {
        var link = Link();
        var register = _registry.ExpectMsg<DeviceCommands.Register>(Wait);
        Assert.Equal(("kiosk-1", Akka.Cluster.Cluster.Get(Sys).SelfAddress.ToString()), (register.Facts.DeviceId, register.Address));
        _registry.Reply(new DeviceReplies.Registered("kiosk-1", true, credentials));
        return link;
    }

    [Fact]
    public void After_registering_it_syncs_the_kill_policy_before_it_asks_for_assignments()
    {
        Registered();
        Assert.Equal("kiosk-1", _cloud.ExpectMsg<KillCommands.Sync>(Wait).DeviceId);
        Assert.Equal("kiosk-1", _cloud.ExpectMsg<GetAssignmentTable>(Wait).DeviceId);
        Assert.True(_session.Joined);
        Assert.Equal("kiosk-1", _session.Registered.Wait(Wait) ? _session.Registered.Result : null);
    }

    [Fact]
    public void The_registrations_credentials_go_to_the_manifests_actor_and_the_nodes_event_stream()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeviceCredentials));
        var credentials = new DeviceCredentials("device-token", "http://10.0.0.5:5080");
        Registered(credentials);
        Assert.Equal(credentials, _manifests.ExpectMsg<DeviceCredentials>(Wait));
        Assert.Equal(credentials, ExpectMsg<DeviceCredentials>(Wait));
    }

    [Fact]
    public void A_policy_goes_to_the_policy_actor_and_its_acknowledgement_to_the_authority_stamped_with_this_device()
    {
        var link = Registered();
        _cloud.ExpectMsg<KillCommands.Sync>(Wait);
        var policy = new SignedKillPolicy("{}", 3, "{}");
        link.Tell(policy);
        Assert.Same(policy, _policy.ExpectMsg<SignedKillPolicy>(Wait));

        link.Tell(new KillCommands.Ack("someone-else", 3, DateTimeOffset.UtcNow));
        _cloud.ExpectMsg<GetAssignmentTable>(Wait);
        var ack = _cloud.ExpectMsg<KillCommands.Ack>(Wait);
        Assert.Equal(("kiosk-1", 3L), (ack.DeviceId, ack.Epoch));
    }

    [Fact]
    public void An_unanswered_registration_is_sent_again()
    {
        Link();
        _registry.ExpectMsg<DeviceCommands.Register>(Wait);
        _registry.ExpectMsg<DeviceCommands.Register>(Wait);
        Assert.False(_cloud.HasMessages, "nothing is synced before the registry answers");
    }

    [Fact]
    public void A_refusal_ends_the_session_with_the_reason_instead_of_retrying()
    {
        Link();
        _registry.ExpectMsg<DeviceCommands.Register>(Wait);
        _registry.Reply(new DeviceReplies.Refused("kiosk-1", "device 'kiosk-1' is already connected from another installation"));
        Assert.True(Sys.WhenTerminated.Wait(Wait), "the refused session's actor system ends");
        Assert.Equal("device 'kiosk-1' is already connected from another installation", _session.RefusedReason);
        Assert.False(_session.Registered.IsCompleted);
    }
}
