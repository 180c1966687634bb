using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Cluster.Attestation;
using Fleet.Shared.Persistence;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Enrolment;

/// <summary>
/// A cloud node's security material: its node certificate (naming its roles), the trust check every TLS handshake,
/// member attestation and registration go through, the revocation list, and, on nodes started with the CA key, the
/// fleet CA that issues device certificates. Absent with --insecure-dev.
/// </summary>
public sealed class CloudPki
{
    public const string RevocationFile = "revoked-devices.json";
    /// <summary>Node certificates are re-issued at every start; a month is plenty and limits a leaked one.</summary>
    public static readonly TimeSpan NodeCertificateLifetime = TimeSpan.FromDays(30);

    private CloudPki(FleetCa? ca, X509Certificate2 node, FleetTrust trust)
    {
        Ca = ca;
        NodeCertificate = node;
        Trust = trust;
    }

    /// <summary>The CA with its key; null on a node running with a pre-issued certificate (--node-cert).</summary>
    public FleetCa? Ca { get; }
    public X509Certificate2 CaCertificate => Trust.Ca;
    public X509Certificate2 NodeCertificate { get; }
    public FleetTrust Trust { get; }
    public RevocationList Revoked => Trust.Revoked;

    /// <summary>The CA for issuing device certificates, or a 409 with one line on a node that holds no CA key.</summary>
    public FleetCa Issuer => Ca ?? throw new EnrolmentException(StatusCodes.Status409Conflict,
        "this node runs with a pre-issued node certificate and no fleet CA key: enrol devices through a control node");

    public RemotingTls Remoting => new(NodeCertificate, Trust);

    /// <summary>Null with --insecure-dev; otherwise the CA (or a pre-issued certificate) must exist, with a one-line hint when it does not.</summary>
    /// <param name="store">Where revocations are kept; null keeps them in memory only (tests).</param>
    public static CloudPki? For(CloudOptions o, ControlStore? store = null)
    {
        if (o.InsecureDev) return null;
        if (store is not null) ImportRevocationFile(o.DataDir, store);
        var revoked = new RevocationList(store);
        if (o.NodeCertificate is { } files) return PreIssued(files, o, revoked);
        var keyPath = o.EffectiveCaKeyPath;
        if (!File.Exists(keyPath))
            throw new FleetException($"no fleet CA at {keyPath}: run 'fleet-cloud ca init --data {o.DataDir}' (or pass --ca-key PATH, or " +
                                     "--node-cert/--node-key/--ca-cert from 'fleet-cloud ca issue-node'), or pass --insecure-dev for a development cluster without TLS");
        var ca = FleetCa.Load(keyPath);
        var hosts = new[] { o.Host, "localhost", "127.0.0.1", new Uri(o.HttpUrl).Host, Environment.MachineName };
        var node = ca.IssueNode($"{o.Host}:{o.Port}", o.Roles, hosts.Where(h => h.Length > 0 && h != "0.0.0.0"), NodeCertificateLifetime);
        return new CloudPki(ca, node, new FleetTrust(ca.Certificate, revoked));
    }

    /// <summary>
    /// Before the database held revocations each node kept them in <c>&lt;data&gt;/revoked-devices.json</c>: taken into
    /// the database once (a revocation is never undone), then the file is renamed so it is clearly no longer read.
    /// </summary>
    private static void ImportRevocationFile(string dataDir, ControlStore store)
    {
        var path = Path.Combine(dataDir, RevocationFile);
        if (!File.Exists(path)) return;
        var ids = System.Text.Json.JsonSerializer.Deserialize<string[]>(File.ReadAllText(path)) ?? [];
        foreach (var id in ids) store.AddRevokedDevice(id, File.GetLastWriteTimeUtc(path));
        File.Move(path, path + ".imported", overwrite: true);
    }

    /// <summary>A node that never sees the CA key: its certificate must chain to the CA, name its address and grant its roles.</summary>
    private static CloudPki PreIssued(NodeCertificateFiles files, CloudOptions o, RevocationList revoked)
    {
        X509Certificate2 caCert;
        try { caCert = X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCertPath)); }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new FleetException($"cannot read the fleet CA certificate {files.CaCertPath}: {e.Message}");
        }
        var node = FleetCertificates.LoadPair(files.CertPath, files.KeyPath);
        var trust = new FleetTrust(caCert, revoked);
        if (trust.CheckNode(node) is { } reason) throw new FleetException($"--node-cert {files.CertPath}: {reason}");
        var granted = FleetCertificates.RolesOf(node);
        var missing = o.Roles.Where(r => !granted.Contains(r)).ToList();
        if (missing.Count > 0)
            throw new FleetException($"--node-cert {files.CertPath} grants roles {string.Join(",", granted.Order(StringComparer.Ordinal))}, not " +
                                     $"{string.Join(",", missing)}: issue one with 'fleet-cloud ca issue-node --roles {string.Join(",", o.Roles)}'");
        var self = new Akka.Actor.Address(FleetCluster.TlsScheme, FleetCluster.SystemName, o.Host, o.Port);
        if (!NodeAttestation.NamesAddress(node, self))
            throw new FleetException($"--node-cert {files.CertPath} does not name --host {o.Host} (issue it with 'fleet-cloud ca issue-node --host {o.Host}')");
        return new CloudPki(null, node, trust);
    }
}
