using System.CommandLine;
using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Shared.Audit;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary>
/// <c>fleet-cloud audit [--json]</c> lists entries; <c>audit verify [--data DIR]</c> checks the chain; <c>audit device ID</c>
/// checks a device's uploaded heads (see <see cref="AuditDeviceCommand"/>).
/// </summary>
public static class AuditVerb
{
    public static Command Create()
    {
        var file = CliOption.Text("--file", "read this audit log file instead of calling the API", "PATH");
        var limit = CliOption.Int("--limit", 0, "only the last N entries (default: all)");
        var verify = new Command("verify", "check <--data>/audit.log's hash chain: name the first broken entry and exit 1")
            .WithDetails("""
                Checks the hash chain of <data>/audit.log and, when present, its signed head (<data>/audit.head.json
                against <data>/keys); names the first broken entry and exits 1. Reads the folder, not the API.
                """);
        verify.SetAction(r => Verify(Path.GetFullPath(r.GetValue(ApiFlags.Data)!), r.GetValue(FleetCli.Json)));
        var audit = new Command("audit", "list operator actions, or 'audit verify' the hash chain") { file, limit, verify, AuditDeviceCommand.Create() }
            .CallsApi();
        audit.SetAction((r, _) => ListAsync(r, r.GetValue(file), r.GetValue(limit)));
        return audit;
    }

    private static int Verify(string dir, bool json)
    {
        if (!File.Exists(Path.Combine(dir, CloudAudit.LogFile))) throw new FleetException($"no audit log in {dir}");
        return Report(CloudAudit.VerifyFolder(dir), json);
    }

    private static async Task<int> ListAsync(ParseResult r, string? file, int limit)
    {
        List<AuditEntry> entries;
        if (file is not null)
        {
            if (!File.Exists(file)) throw new FleetException($"audit log {file} does not exist");
            using var log = AuditLog.Open(file);
            entries = log.Read().ToList();
        }
        else
        {
            using var api = ApiClient.From(r);
            entries = await api.GetAsync<List<AuditEntry>>("api/v1/audit" + (limit > 0 ? $"?limit={limit}" : ""));
        }
        Console.Write(r.GetValue(FleetCli.Json) ? JsonSerializer.Serialize(entries, FleetJson.Indented) + "\n" : Table(entries));
        return 0;
    }

    /// <summary>Prints the verification and returns the exit code: 0 intact, 1 broken (the reason names the entry).</summary>
    public static int Report(AuditVerification v, bool json)
    {
        if (json) Console.WriteLine(JsonSerializer.Serialize(v, FleetJson.Indented));
        else if (v.IsValid) Console.WriteLine(v.ToString());
        if (!v.IsValid) Console.Error.WriteLine(v.ToString());
        return v.IsValid ? 0 : 1;
    }

    private static string Table(IReadOnlyList<AuditEntry> entries) => entries.Count == 0
        ? "audit log is empty\n"
        : TextTable.Render(new[] { "SEQ", "AT", "ACTOR", "ACTION", "SUBJECT", "DETAIL" },
            entries.Select(e => (IReadOnlyList<string>)new[] { e.Seq.ToString(), e.At.ToString("u"), e.Actor, e.Action, e.Subject, e.Detail ?? "" }));
}
