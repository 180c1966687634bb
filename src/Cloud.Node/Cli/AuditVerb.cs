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
    public static readonly Verb Verb = new("audit", "list operator actions, or 'audit verify' the hash chain", RunAsync, ["verify", "device"]);

    private const string Usage = """
        usage: fleet-cloud audit [--limit N] [--json] [--api URL] [--token TOKEN] [--data DIR]
               fleet-cloud audit --file PATH [--json]
               fleet-cloud audit verify [--data ./data/cloud] [--json]
               fleet-cloud audit device ID [--log FILE] [--json] [--api URL] [--token TOKEN]
          lists the audit log through the API (or straight from a file); verify checks <data>/audit.log's hash chain
          and, when present, its signed head (<data>/audit.head.json against <data>/keys), names the first broken
          entry and exits 1.
          device ID shows the audit chain heads device ID signed and uploaded, each signature checked, and any rewrite
          the cloud caught; --log FILE (a copy of the device's <data>/audit.log) checks that log's chain against those
          heads and names the entry where it diverges. Exits 1 when anything does not verify.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        switch (a.Positionals)
        {
            case ["verify"]:
                a.RejectUnknown("data");
                var dir = Path.GetFullPath(a.Get("data", "./data/cloud"));
                if (!File.Exists(Path.Combine(dir, CloudAudit.LogFile))) throw new FleetException($"no audit log in {dir}");
                return Report(CloudAudit.VerifyFolder(dir), a.Flag("json"));
            case ["device", var deviceId]:
                return await AuditDeviceCommand.RunAsync(a, IdArguments.Parse<Fleet.Shared.Devices.DeviceId>(deviceId).Value);
            case ["device"]:
                throw new UsageException("audit device needs a device id: fleet-cloud audit device ID [--log FILE]");
            case []:
                a.RejectUnknown([.. ApiClient.Options, "file", "limit"]);
                List<AuditEntry> entries;
                if (a.Get("file") is { } file)
                {
                    if (!File.Exists(file)) throw new FleetException($"audit log {file} does not exist");
                    using var log = AuditLog.Open(file);
                    entries = log.Read().ToList();
                }
                else
                {
                    using var api = ApiClient.From(a);
                    var limit = a.GetInt("limit", 0);
                    entries = await api.GetAsync<List<AuditEntry>>("api/v1/audit" + (limit > 0 ? $"?limit={limit}" : ""));
                }
                Console.Write(a.Flag("json") ? JsonSerializer.Serialize(entries, FleetJson.Indented) + "\n" : Table(entries));
                return 0;
            default:
                throw new UsageException($"unexpected '{string.Join(' ', a.Positionals)}' (use 'audit', 'audit verify' or 'audit device ID')");
        }
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
