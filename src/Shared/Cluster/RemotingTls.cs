using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote.Transport.DotNetty;
using Fleet.Shared.Cluster.Attestation;
using Fleet.Shared.Security.Pki;

namespace Fleet.Shared.Cluster;

/// <summary>
/// Mutual TLS on Akka.Remote: this node presents <see cref="Certificate"/> and accepts a peer only if it holds a node
/// certificate <see cref="Trust"/> accepts (issued by the fleet CA, in date, not revoked; never a device certificate).
/// A refused peer is one warning line. TLS sees a certificate, not a member, so the node also runs a
/// <see cref="NodeAttestor"/> that downs any member whose claimed address and roles its certificate does not grant.
/// A failed outbound handshake refuses that connection, not this node (<see cref="PeerHandshakeGuard"/>).
/// </summary>
public sealed record RemotingTls(X509Certificate2 Certificate, FleetTrust Trust)
{
    /// <summary>Prefix of the one line a node logs when it refuses a peer's certificate.</summary>
    public const string RefusalLogPrefix = "refused TLS peer";

    public static readonly TimeSpan DefaultAttestationTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a member has to answer the attestation challenge before it is downed.</summary>
    public TimeSpan AttestationTimeout { get; init; } = DefaultAttestationTimeout;

    /// <summary>Tests only: a node that does not answer challenges (what a hostile member would be).</summary>
    internal bool RunsAttestor { get; init; } = true;

    internal AkkaConfigurationBuilder Apply(AkkaConfigurationBuilder builder)
    {
        builder
            .AddHocon("akka.remote.dot-netty.tcp.enable-ssl = on", HoconAddMode.Prepend)
            .AddHocon(PeerHandshakeGuard.Hocon, HoconAddMode.Prepend)
            .AddStartup((system, _) => PeerHandshakeGuard.Install(system))
            .AddSetup(new DotNettySslSetup(Certificate, suppressValidation: false, requireMutualAuthentication: true,
                validateCertificateHostname: false, customValidator: Validate));
        return RunsAttestor
            ? builder.WithActors((system, _) => system.ActorOf(NodeAttestor.Props(Certificate, Trust, AttestationTimeout), ActorNames.NodeAttestation))
            : builder;
    }

    private bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, System.Net.Security.SslPolicyErrors errors,
        ILoggingAdapter? log)
    {
        var reason = Trust.CheckNode(certificate);
        if (reason is null) return true;
        log?.Warning("{0} {1}: {2}", RefusalLogPrefix, remotePeer, reason);
        return false;
    }
}
