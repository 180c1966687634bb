using System.Security.Cryptography.X509Certificates;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Enrolment;

/// <summary>
/// A cloud node's security material: the fleet CA (to issue device certificates), this node's own certificate, the
/// trust check every TLS handshake and registration goes through, and the revocation list. Absent with --insecure-dev.
/// </summary>
public sealed class CloudPki
{
    public const string RevocationFile = "revoked-devices.json";
    /// <summary>Node certificates are re-issued at every start; a month is plenty and limits a leaked one.</summary>
    public static readonly TimeSpan NodeCertificateLifetime = TimeSpan.FromDays(30);
    public static readonly TimeSpan DeviceCertificateLifetime = TimeSpan.FromDays(730);

    private CloudPki(FleetCa ca, X509Certificate2 node, FleetTrust trust)
    {
        Ca = ca;
        NodeCertificate = node;
        Trust = trust;
    }

    public FleetCa Ca { get; }
    public X509Certificate2 NodeCertificate { get; }
    public FleetTrust Trust { get; }
    public RevocationList Revoked => Trust.Revoked;

    public RemotingTls Remoting => new(NodeCertificate, Trust);

    /// <summary>Null with --insecure-dev; otherwise the CA must exist, with a one-line hint when it does not.</summary>
    public static CloudPki? For(CloudOptions o)
    {
        if (o.InsecureDev) return null;
        var keyPath = o.EffectiveCaKeyPath;
        if (!File.Exists(keyPath))
            throw new FleetException($"no fleet CA at {keyPath}: run 'fleet-cloud ca init --data {o.DataDir}' (or pass --ca-key PATH), " +
                                     "or pass --insecure-dev for a development cluster without TLS");
        var ca = FleetCa.Load(keyPath);
        var hosts = new[] { o.Host, "localhost", "127.0.0.1", new Uri(o.HttpUrl).Host, Environment.MachineName };
        var node = ca.IssueNode($"{o.Host}:{o.Port}", o.Roles, hosts.Where(h => h.Length > 0 && h != "0.0.0.0"), NodeCertificateLifetime);
        var revoked = new RevocationList(Path.Combine(o.DataDir, RevocationFile));
        return new CloudPki(ca, node, new FleetTrust(ca.Certificate, revoked));
    }
}
