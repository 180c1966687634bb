using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Fleet.Shared.Cluster;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Tests.Security.Pki;
using static Fleet.Shared.Tests.Support.TlsNode;

namespace Fleet.Shared.Tests.Cluster;

/// <summary>
/// A real TLS node connects out to a peer whose handshake fails (one that hangs up mid-handshake, as a member shutting
/// down does, and one with a certificate outside the fleet): the connection is refused, the node stays Up, and its own
/// coordinated shutdown still runs to the end afterwards.
/// </summary>
public sealed class PeerHandshakeGuardTests : IDisposable
{
    private readonly TestPki _pki = new();

    public static IEnumerable<object[]> FailingPeers() => new[] { new object[] { "hangs up" }, new object[] { "untrusted" } };

    [Theory]
    [MemberData(nameof(FailingPeers))]
    public async Task A_failed_outbound_handshake_refuses_the_peer_and_keeps_the_node_which_can_still_shut_down(string peer)
    {
        var port = FreePort();
        using var node = await StartLoggingAsync(port, port, new RemotingTls(_pki.Node("control-0"), new FleetTrust(_pki.Ca.Certificate)), "WARNING");
        await UntilAsync(() => node.UpMembers == 1, TimeSpan.FromSeconds(20));
        var warnings = Inbox.Create(node.System);
        node.System.EventStream.Subscribe(warnings.Receiver, typeof(Warning));
        using var failing = new FailingPeer(peer == "untrusted" ? TestPki.SelfSigned("intruder") : null);

        node.System.ActorSelection($"{FleetCluster.TlsScheme}://{FleetCluster.SystemName}@127.0.0.1:{failing.Port}/user/anyone").Tell("hello");

        var shutdown = CoordinatedShutdown.Get(node.System);
        var kept = GuardWarningAsync(warnings);
        var first = await Task.WhenAny(kept, node.System.WhenTerminated, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(first == kept, first == node.System.WhenTerminated ? $"the node shut down: {shutdown.ShutdownReason}" : "no failed handshake was reported within 20 s");
        Assert.True(failing.Connections > 0);
        await UntilAsync(() => shutdown.ShutdownReason is null, TimeSpan.FromSeconds(5), "the coordinated shutdown was not re-armed");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(node.System.WhenTerminated.IsCompleted);
        Assert.Equal(MemberStatus.Up, node.Cluster.SelfMember.Status);

        // The node's own shutdown (SIGTERM, or downed by the cluster) still runs every phase, the system's end included.
        await shutdown.Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(node.System.WhenTerminated.IsCompleted, "the shutdown finished without terminating the system");
    }

    private static async Task GuardWarningAsync(Inbox warnings)
    {
        while (((Warning)await warnings.ReceiveAsync(TimeSpan.FromSeconds(30))).Message?.ToString()?.StartsWith(PeerHandshakeGuard.LogPrefix, StringComparison.Ordinal) != true) { }
    }

    /// <summary>A loopback listener whose TLS handshakes fail: it hangs up after the client's hello, or presents a certificate.</summary>
    private sealed class FailingPeer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly X509Certificate2? _certificate;
        private int _connections;

        public FailingPeer(X509Certificate2? certificate)
        {
            _certificate = certificate;
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref _connections);
                    _ = FailAsync(client);
                }
            }
            catch (ObjectDisposedException) { }
            catch (SocketException) { }
        }

        private async Task FailAsync(TcpClient client)
        {
            using var connection = client;
            try
            {
                if (_certificate is null)
                {
                    _ = await client.GetStream().ReadAsync(new byte[512]); // some of the client hello, then hang up
                    return;
                }
                using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(_certificate, clientCertificateRequired: true, checkCertificateRevocation: false);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException) { }
        }

        public void Dispose() => _listener.Stop();
    }

    public void Dispose() => _pki.Dispose();
}
