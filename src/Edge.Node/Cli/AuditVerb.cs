using System.CommandLine;
using System.Text.Json;
using Fleet.Edge.Audit;
using Fleet.Shared.Audit;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge audit [--data DIR] [--json]</c> lists the device's enforcements; <c>audit verify</c> checks the chain.</summary>
public static class AuditVerb
{
    public static Command Create()
    {
        var data = CliOption.Text("--data", "./data/edge", "the device's data folder; the log is <data>/audit.log", "DIR");
        data.Recursive = true;
        var verify = new Command("verify", "check the hash chain: name the first broken entry and exit 1");
        verify.SetAction(r => Verify(LogPath(r.GetValue(data)!), r.GetValue(FleetCli.Json)));
        var audit = new Command("audit", "list device-side enforcements, or 'audit verify' the hash chain") { data, verify };
        audit.SetAction(r => List(LogPath(r.GetValue(data)!), r.GetValue(FleetCli.Json)));
        return audit;
    }

    private static string LogPath(string data)
    {
        var path = AuditActor.PathIn(Path.GetFullPath(data));
        return File.Exists(path) ? path : throw new FleetException($"no audit log at {path}");
    }

    private static int Verify(string path, bool json)
    {
        var v = AuditLog.VerifyFile(path);
        if (json) Console.WriteLine(JsonSerializer.Serialize(v, FleetJson.Indented));
        else if (v.IsValid) Console.WriteLine(v.ToString());
        if (!v.IsValid) Console.Error.WriteLine(v.ToString());
        return v.IsValid ? 0 : 1;
    }

    private static int List(string path, bool json)
    {
        using var log = AuditLog.Open(path);
        var entries = log.Read().ToList();
        Console.Write(json
            ? JsonSerializer.Serialize(entries, FleetJson.Indented) + "\n"
            : string.Concat(entries.Select(e => $"{e.Seq,5}  {e.At:u}  {e.Actor}  {e.Action}  {e.Subject}  {e.Detail}\n")));
        return 0;
    }
}
