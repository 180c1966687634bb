using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary>
/// <c>fleet-cloud ca init</c>: creates the fleet's certificate authority (key mode 600); <c>ca issue-node</c>: a node
/// certificate for a node that must never hold the CA key (render workers).
/// </summary>
public static class CaVerb
{
    public static readonly Verb Verb = new("ca", "fleet certificate authority: 'ca init', 'ca issue-node'", RunAsync, ["init", "issue-node"]);

    public const string NodeCertFile = "node.crt";
    public const string NodeKeyFile = "node.key";

    private const string Usage = """
        usage: fleet-cloud ca init [--data ./data/cloud] [--ca-key PATH] [--json]
               fleet-cloud ca issue-node --name NAME --roles render[,control,gateway] [--host H]... --out DIR
                                         [--days 365] [--data ./data/cloud] [--ca-key PATH] [--json]
          init creates the fleet CA: <data>/ca/ca.key (mode 600) and ca.crt, or the key at --ca-key with ca.crt beside it.
          Cloud nodes started with the same key issue themselves node certificates from it; devices get theirs at enrolment.
          issue-node writes DIR/node.crt, DIR/node.key (mode 600) and DIR/ca.crt for 'fleet-cloud agent --node-cert
          DIR/node.crt --node-key DIR/node.key --ca-cert DIR/ca.crt': that node runs without the CA key and may claim only
          the roles named here. Each --host is a DNS name or IP address the node's --host may be (*.DOMAIN matches one
          label, e.g. every pod behind a headless Service).
        """;

    private static Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help")) { Console.WriteLine(Usage); return Task.FromResult(0); }
        return Task.FromResult(a.Positionals switch
        {
            ["init"] => Init(a),
            ["issue-node"] => IssueNode(a),
            _ => throw new UsageException("expected 'ca init' or 'ca issue-node'"),
        });
    }

    private static string KeyPath(CommandArgs a) =>
        a.Get("ca-key") is { } k ? Path.GetFullPath(k) : CloudOptions.DefaultCaKeyPath(Path.GetFullPath(a.Get("data", "./data/cloud")));

    private static int Init(CommandArgs a)
    {
        a.RejectUnknown("data", "ca-key");
        var keyPath = KeyPath(a);
        using var ca = FleetCa.Create(keyPath);
        var certPath = FleetCa.CertPathFor(keyPath);
        if (a.Flag("json"))
            Console.WriteLine(JsonSerializer.Serialize(new { key = keyPath, certificate = certPath, subject = ca.Certificate.Subject, fingerprint_sha256 = ca.Fingerprint,
                not_after = ca.Certificate.NotAfter.ToUniversalTime() }, FleetJson.Indented));
        else
            Console.WriteLine($"fleet CA created: key {keyPath} (mode 600), certificate {certPath}\nsubject {ca.Certificate.Subject}\nSHA-256 {ca.Fingerprint}");
        return 0;
    }

    private static int IssueNode(CommandArgs a)
    {
        a.RejectUnknown("data", "ca-key", "name", "roles", "host", "out", "days");
        var name = a.Required("name");
        var roles = CloudOptions.ParseRoles(a.Required("roles"), "--roles");
        var hosts = a.GetAll("host").Select(h => h.Trim()).Where(h => h.Length > 0).Distinct().ToList();
        var days = a.GetInt("days", 365, 1, 3650, "days");
        var outDir = Path.GetFullPath(a.Required("out"));
        var paths = new[] { NodeCertFile, NodeKeyFile, FleetCa.CertFile }.Select(f => Path.Combine(outDir, f)).ToArray();
        // Overwriting would silently replace a certificate some node runs with; the operator removes it on purpose.
        if (paths.FirstOrDefault(File.Exists) is { } existing) throw new FleetException($"{existing} already exists; remove it first to issue a new one");
        using var ca = FleetCa.Load(KeyPath(a));
        X509Certificate2 cert;
        try { cert = ca.IssueNode(name, roles, hosts, TimeSpan.FromDays(days)); }
        catch (ArgumentException e) { throw new UsageException($"--host: {e.Message}"); }
        using (cert)
        {
            Directory.CreateDirectory(outDir);
            FleetCertificates.SavePair(cert, paths[0], paths[1]);
            File.WriteAllText(paths[2], ca.Certificate.ExportCertificatePem());
            if (a.Flag("json"))
                Console.WriteLine(JsonSerializer.Serialize(new { name, roles, hosts, certificate = paths[0], key = paths[1], ca_certificate = paths[2],
                    fingerprint_sha256 = FleetCertificates.Fingerprint(cert), not_after = cert.NotAfter.ToUniversalTime() }, FleetJson.Indented));
            else
                Console.WriteLine($"node certificate for {name} (roles {string.Join(",", roles)}{(hosts.Count > 0 ? $"; hosts {string.Join(",", hosts)}" : "")}): " +
                                  $"{paths[0]}, key {paths[1]} (mode 600), CA {paths[2]}; valid until {cert.NotAfter.ToUniversalTime():u}");
        }
        return 0;
    }
}
