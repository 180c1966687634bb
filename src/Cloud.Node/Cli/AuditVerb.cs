using Fleet.Cloud.Api;
using Fleet.Shared.Audit;
using Fleet.Shared.Cli;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud audit [--limit N] [--json]</c>: the latest audited API calls.</summary>
public static class AuditVerb
{
    public static readonly Verb Verb = new("audit", "show the audit log of mutating API calls", RunAsync);

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help")) { Console.WriteLine("usage: fleet-cloud audit [--limit 50] [--json] [--api URL] [--token T]"); return 0; }
        a.RejectUnknown([.. ApiClient.Options, "limit"]);
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected '{a.Positionals[0]}'");
        using var api = ApiClient.From(a);
        var entries = await api.GetAsync<List<AuditEntry>>($"api/v1/audit?limit={a.GetInt("limit", 50)}");
        Console.Write(a.Flag("json") ? CliJson.Of(entries) : entries.Count == 0 ? "no audited calls\n" : TextTable.Render(
            ["SEQ", "WHEN", "WHO", "WHAT", "SUBJECT", "DETAIL"],
            entries.Select(e => (IReadOnlyList<string>)[e.Seq.ToString(), $"{e.At:u}", e.Actor, e.Action, e.Subject, e.Detail ?? ""])));
        return 0;
    }
}
