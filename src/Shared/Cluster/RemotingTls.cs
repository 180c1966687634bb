using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote.Transport.DotNetty;
using Fleet.Shared.Security.Pki;

namespace Fleet.Shared.Cluster;

/// <summary>
/// Mutual TLS on Akka.Remote: this node presents <see cref="Certificate"/> and accepts a peer only if
/// <see cref="Trust"/> does (issued by the fleet CA, in date, not revoked). A refused peer is one warning line.
/// </summary>
public sealed record RemotingTls(X509Certificate2 Certificate, FleetTrust Trust)
{
    /// <summary>Prefix of the one line a node logs when it refuses a peer's certificate.</summary>
    public const string RefusalLogPrefix = "refused TLS peer";

    internal AkkaConfigurationBuilder Apply(AkkaConfigurationBuilder builder) => builder
        .AddHocon("akka.remote.dot-netty.tcp.enable-ssl = on", HoconAddMode.Prepend)
        .AddSetup(new DotNettySslSetup(Certificate, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false, customValidator: Validate));

    private bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, System.Net.Security.SslPolicyErrors errors,
        ILoggingAdapter? log)
    {
        var reason = Trust.Check(certificate);
        if (reason is null) return true;
        log?.Warning("{0} {1}: {2}", RefusalLogPrefix, remotePeer, reason);
        return false;
    }
}
