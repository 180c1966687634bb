using Fleet.Cloud.Api;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud tokens create --role R [--device ID] [--name N] | list | revoke ID</c> (admin token needed).</summary>
public static class TokensVerb
{
    public static readonly Verb Verb = new("tokens", "create, list or revoke API tokens (roles viewer, operator, sre, device)", RunAsync, ["create", "list", "revoke"]);

    private const string Usage = """
        usage: fleet-cloud tokens create --role viewer|operator|sre|device [--device ID] [--name TEXT] [--json]
               fleet-cloud tokens list [--json]
               fleet-cloud tokens revoke ID [--json]
          needs the admin token (--token, FLEET_TOKEN or <data>/admin.token). 'create' prints the secret once;
          only its sha256 is stored. A device token is bound to one device id.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        a.RejectUnknown([.. ApiClient.Options, "role", "device", "name"]);
        using var api = ApiClient.From(a);
        switch (a.Positionals)
        {
            case ["create"]:
                var created = await api.PostAsync<TokenReplies.Created>("api/v1/tokens",
                    new { role = a.Required("role"), device_id = a.Get("device"), name = a.Get("name") });
                Console.Write(a.Flag("json") ? CliJson.Of(new { id = created.View.Id, role = created.View.Role, device_id = created.View.DeviceId, token = created.Token })
                    : $"{created.Token}\n(token {created.View.Id}, role {created.View.Role}{(created.View.DeviceId is null ? "" : ", device " + created.View.DeviceId)}; shown once)\n");
                return 0;
            case ["list"]:
                var all = await api.GetAsync<List<TokenReplies.TokenView>>("api/v1/tokens");
                Console.Write(a.Flag("json") ? CliJson.Of(all) : all.Count == 0 ? "no tokens\n" : TextTable.Render(
                    ["ID", "ROLE", "DEVICE", "NAME", "CREATED", "BY", "REVOKED"],
                    all.Select(t => (IReadOnlyList<string>)[t.Id, t.Role, t.DeviceId ?? "-", t.Name ?? "-", $"{t.CreatedAt:u}", t.CreatedBy,
                        t.RevokedAt is { } r ? $"{r:u}" : "-"])));
                return 0;
            case ["revoke", var id]:
                var revoked = await api.DeleteAsync<TokenReplies.TokenView>($"api/v1/tokens/{Uri.EscapeDataString(id)}");
                Console.Write(a.Flag("json") ? CliJson.Of(revoked) : $"revoked {revoked.Id} ({revoked.Role})\n");
                return 0;
            default:
                throw new UsageException("use 'tokens create --role R', 'tokens list' or 'tokens revoke ID'");
        }
    }
}
