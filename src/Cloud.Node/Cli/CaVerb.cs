using System.CommandLine;
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
    public const string NodeCertFile = "node.crt";
    public const string NodeKeyFile = "node.key";

    // Also before the subcommand's name ('ca --data DIR init'), where the hand-written parser took them too.
    private static readonly Option<string> Data = Recursive(CliOption.Text("--data", "./data/cloud", "the cloud node's data folder: the CA key is <data>/ca/ca.key", "DIR"));
    private static readonly Option<string?> CaKey = Recursive(CliOption.Text("--ca-key", "the CA key instead of <data>/ca/ca.key (ca.crt beside it)", "PATH"));

    public static Command Create()
    {
        var init = new Command("init", "create the fleet CA: its key (mode 600) and ca.crt beside it")
            .WithDetails("""
                Cloud nodes started with the same key issue themselves node certificates from it; devices get theirs at enrolment.
                """);
        init.SetAction(r => Init(KeyPath(r), r.GetValue(FleetCli.Json)));

        var name = Required(CliOption.Text("--name", "the node's name in its certificate", "NAME"));
        var roles = Required(CliOption.Text("--roles", "the only roles the node may claim", "render[,control,gateway]"));
        var hosts = CliOption.Many("--host", "a DNS name or IP address the node's --host may be (repeatable; *.DOMAIN matches one label)", "H");
        var outDir = Required(CliOption.Text("--out", "the folder for node.crt, node.key (mode 600) and ca.crt", "DIR"));
        var days = CliOption.Int("--days", 365, "how long the certificate is valid", 1, 3650, "days");
        var issueNode = new Command("issue-node", "a node certificate for a node that never holds the CA key (render workers)") { name, roles, hosts, outDir, days }
            .WithDetails("""
                Writes DIR/node.crt, DIR/node.key (mode 600) and DIR/ca.crt for 'fleet-cloud agent --node-cert DIR/node.crt
                --node-key DIR/node.key --ca-cert DIR/ca.crt': that node runs without the CA key and may claim only the roles
                named here. *.DOMAIN in --host matches one label, e.g. every pod behind a headless Service. Existing files are
                never overwritten.
                """);
        issueNode.SetAction(r => IssueNode(r.GetValue(name)!, CloudOptions.ParseRoles(r.GetValue(roles)!, "--roles"),
            r.GetValue(hosts)!.Select(h => h.Trim()).Where(h => h.Length > 0).Distinct().ToList(), r.GetValue(days),
            Path.GetFullPath(r.GetValue(outDir)!), KeyPath(r), r.GetValue(FleetCli.Json)));

        return new Command("ca", "fleet certificate authority: 'ca init', 'ca issue-node'") { Data, CaKey, init, issueNode };
    }

    private static string KeyPath(ParseResult r) =>
        r.GetValue(CaKey) is { } k ? Path.GetFullPath(k) : CloudOptions.DefaultCaKeyPath(Path.GetFullPath(r.GetValue(Data)!));

    private static int Init(string keyPath, bool json)
    {
        using var ca = FleetCa.Create(keyPath);
        var certPath = FleetCa.CertPathFor(keyPath);
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { key = keyPath, certificate = certPath, subject = ca.Certificate.Subject, fingerprint_sha256 = ca.Fingerprint,
                not_after = ca.Certificate.NotAfter.ToUniversalTime() }, FleetJson.Indented));
        else
            Console.WriteLine($"fleet CA created: key {keyPath} (mode 600), certificate {certPath}\nsubject {ca.Certificate.Subject}\nSHA-256 {ca.Fingerprint}");
        return 0;
    }

    private static int IssueNode(string name, string[] roles, List<string> hosts, int days, string outDir, string keyPath, bool json)
    {
        var paths = new[] { NodeCertFile, NodeKeyFile, FleetCa.CertFile }.Select(f => Path.Combine(outDir, f)).ToArray();
        // Overwriting would silently replace a certificate some node runs with; the operator removes it on purpose.
        if (paths.FirstOrDefault(File.Exists) is { } existing) throw new FleetException($"{existing} already exists; remove it first to issue a new one");
        using var ca = FleetCa.Load(keyPath);
        X509Certificate2 cert;
        try { cert = ca.IssueNode(name, roles, hosts, TimeSpan.FromDays(days)); }
        catch (ArgumentException e) { throw new UsageException($"--host: {e.Message}"); }
        using (cert)
        {
            Directory.CreateDirectory(outDir);
            FleetCertificates.SavePair(cert, paths[0], paths[1]);
            File.WriteAllText(paths[2], ca.Certificate.ExportCertificatePem());
            if (json)
                Console.WriteLine(JsonSerializer.Serialize(new { name, roles, hosts, certificate = paths[0], key = paths[1], ca_certificate = paths[2],
                    fingerprint_sha256 = FleetCertificates.Fingerprint(cert), not_after = cert.NotAfter.ToUniversalTime() }, FleetJson.Indented));
            else
                Console.WriteLine($"node certificate for {name} (roles {string.Join(",", roles)}{(hosts.Count > 0 ? $"; hosts {string.Join(",", hosts)}" : "")}): " +
                                  $"{paths[0]}, key {paths[1]} (mode 600), CA {paths[2]}; valid until {cert.NotAfter.ToUniversalTime():u}");
        }
        return 0;
    }

    private static T Recursive<T>(T option) where T : Option
    {
        option.Recursive = true;
        return option;
    }

    private static T Required<T>(T option) where T : Option
    {
        option.Required = true;
        return option;
    }
}
