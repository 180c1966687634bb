using Akka.Actor;
using Akka.Cluster;
using Fleet.Shared.Cluster;
using Fleet.Shared.Cluster.Attestation;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Tests.Security.Pki;
using static Fleet.Shared.Tests.Support.TlsNode;

namespace Fleet.Shared.Tests.Cluster;

/// <summary>
/// Real nodes with mutual TLS on loopback: a member may claim only the roles its node certificate grants; one that
/// claims more, or does not answer the attestation challenge, is downed by the nodes that see it.
/// </summary>
public sealed class MemberAttestationTests : IDisposable
{
    // The production default: shorter ones refuse honest nodes on a loaded 2-core machine (the answer comes late, not never).
    private static readonly TimeSpan Timeout = RemotingTls.DefaultAttestationTimeout;
    private readonly TestPki _pki = new();

    private RemotingTls Tls(string name, params string[] roles) =>
        new(_pki.Node(name, roles), new FleetTrust(_pki.Ca.Certificate)) { AttestationTimeout = Timeout };

    [Fact]
    public async Task A_render_certificate_claiming_control_is_downed_and_an_honest_render_node_stays()
    {
        var port = FreePort();
        using var seed = await StartAsync(port, port, Tls("control-0", FleetCluster.ControlRole), FleetCluster.ControlRole);
        await UntilAsync(() => seed.UpMembers == 1, TimeSpan.FromSeconds(20));
        var refusals = Inbox.Create(seed.System);
        seed.System.EventStream.Subscribe(refusals.Receiver, typeof(MemberRefused));
        var attested = Inbox.Create(seed.System);
        seed.System.EventStream.Subscribe(attested.Receiver, typeof(MemberAttested));

        using var honest = await StartAsync(FreePort(), port, Tls("render-1", FleetCluster.RenderRole), FleetCluster.RenderRole);
        await UntilAsync(() => seed.Cluster.State.Members.Any(m => m.Address == honest.Cluster.SelfAddress && m.Status == MemberStatus.Up), TimeSpan.FromSeconds(30),
            "the honest node did not join");
        using var liar = await StartAsync(FreePort(), port, Tls("render-2", FleetCluster.RenderRole), FleetCluster.RenderRole, FleetCluster.ControlRole);

        var refused = (MemberRefused)await refusals.ReceiveAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(liar.Cluster.SelfAddress, refused.Address);
        Assert.Contains("claims role(s) control", refused.Reason);
        await UntilAsync(() => seed.Cluster.State.Members.All(m => m.Address != liar.Cluster.SelfAddress), TimeSpan.FromSeconds(20), "the liar was not removed");
        // The seed attested the honest node (settled: never refused after that); it is still Up and nothing else was refused.
        while (((MemberAttested)await attested.ReceiveAsync(TimeSpan.FromSeconds(30))).Address != honest.Cluster.SelfAddress) { }
        Assert.True(seed.Cluster.State.Members.Any(m => m.Address == honest.Cluster.SelfAddress && m.Status == MemberStatus.Up),
            $"the honest node is not Up at the seed; members: {string.Join(", ", seed.Cluster.State.Members)}; unreachable: {string.Join(", ", seed.Cluster.State.Unreachable)}; "
            + $"the honest node's own shutdown reason: {CoordinatedShutdown.Get(honest.System).ShutdownReason?.ToString() ?? "none"}");
        await Assert.ThrowsAnyAsync<Exception>(() => refusals.ReceiveAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task A_member_that_does_not_answer_the_challenge_is_downed()
    {
        var port = FreePort();
        using var seed = await StartAsync(port, port, Tls("control-0", FleetCluster.ControlRole), FleetCluster.ControlRole);
        await UntilAsync(() => seed.UpMembers == 1, TimeSpan.FromSeconds(20));
        var refusals = Inbox.Create(seed.System);
        seed.System.EventStream.Subscribe(refusals.Receiver, typeof(MemberRefused));

        // A valid certificate with the right role, but no attestor: what a node built outside Fleet would look like.
        using var silent = await StartAsync(FreePort(), port, Tls("control-1", FleetCluster.ControlRole) with { RunsAttestor = false }, FleetCluster.ControlRole);

        var refused = (MemberRefused)await refusals.ReceiveAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(silent.Cluster.SelfAddress, refused.Address);
        Assert.Contains("no attestation answer", refused.Reason);
        await UntilAsync(() => seed.Cluster.State.Members.All(m => m.Address != silent.Cluster.SelfAddress), TimeSpan.FromSeconds(20), "the silent node was not removed");
    }

    public void Dispose() => _pki.Dispose();
}
