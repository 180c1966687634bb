using System.Text.Json;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Cli;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud ca init</c>: creates the fleet's certificate authority (key mode 600).</summary>
public static class CaVerb
{
    public static readonly Verb Verb = new("ca", "fleet certificate authority: 'ca init'", RunAsync);

    private const string Usage = """
        usage: fleet-cloud ca init [--data ./data/cloud] [--ca-key PATH] [--json]
          creates the fleet CA: <data>/ca/ca.key (mode 600) and ca.crt, or the key at --ca-key with ca.crt beside it.
          Cloud nodes started with the same key issue themselves node certificates from it; devices get theirs at enrolment.
        """;

    private static Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help")) { Console.WriteLine(Usage); return Task.FromResult(0); }
        a.RejectUnknown("data", "ca-key");
        if (a.Positionals is not ["init"]) throw new UsageException("expected 'ca init'");
        var keyPath = a.Get("ca-key") is { } k ? Path.GetFullPath(k) : CloudOptions.DefaultCaKeyPath(Path.GetFullPath(a.Get("data", "./data/cloud")));
        using var ca = FleetCa.Create(keyPath);
        var certPath = FleetCa.CertPathFor(keyPath);
        if (a.Flag("json"))
            Console.WriteLine(JsonSerializer.Serialize(new { key = keyPath, certificate = certPath, subject = ca.Certificate.Subject, fingerprint_sha256 = ca.Fingerprint,
                not_after = ca.Certificate.NotAfter.ToUniversalTime() }, FleetJson.Indented));
        else
            Console.WriteLine($"fleet CA created: key {keyPath} (mode 600), certificate {certPath}\nsubject {ca.Certificate.Subject}\nSHA-256 {ca.Fingerprint}");
        return Task.FromResult(0);
    }
}
