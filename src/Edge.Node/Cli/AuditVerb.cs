using System.Text.Json;
using Fleet.Edge.Audit;
using Fleet.Shared.Audit;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge audit [--data DIR] [--json]</c> lists the device's enforcements; <c>audit verify</c> checks the chain.</summary>
public static class AuditVerb
{
    public static readonly Verb Verb = new("audit", "list device-side enforcements, or 'audit verify' the hash chain", RunAsync, ["verify"]);

    private const string Usage = """
        usage: fleet-edge audit [--data ./data/edge] [--json]
               fleet-edge audit verify [--data ./data/edge] [--json]
          reads <data>/audit.log; verify checks the hash chain, names the first broken entry and exits 1.
        """;

    private static Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help")) { Console.WriteLine(Usage); return Task.FromResult(0); }
        a.RejectUnknown("data");
        var path = AuditActor.PathIn(Path.GetFullPath(a.Get("data", "./data/edge")));
        if (!File.Exists(path)) throw new FleetException($"no audit log at {path}");
        switch (a.Positionals)
        {
            case ["verify"]:
                var v = AuditLog.VerifyFile(path);
                if (a.Flag("json")) Console.WriteLine(JsonSerializer.Serialize(v, FleetJson.Indented));
                else if (v.IsValid) Console.WriteLine(v.ToString());
                if (!v.IsValid) Console.Error.WriteLine(v.ToString());
                return Task.FromResult(v.IsValid ? 0 : 1);
            case []:
                using (var log = AuditLog.Open(path))
                {
                    var entries = log.Read().ToList();
                    Console.Write(a.Flag("json")
                        ? JsonSerializer.Serialize(entries, FleetJson.Indented) + "\n"
                        : string.Concat(entries.Select(e => $"{e.Seq,5}  {e.At:u}  {e.Actor}  {e.Action}  {e.Subject}  {e.Detail}\n")));
                }
                return Task.FromResult(0);
            default:
                throw new UsageException($"unexpected '{string.Join(' ', a.Positionals)}' (use 'audit' or 'audit verify')");
        }
    }
}
