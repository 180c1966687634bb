using System.CommandLine;
using Fleet.Cloud.Api;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud tokens create --role R [--device ID] [--name N] | list | revoke ID</c> (admin token needed).</summary>
public static class TokensVerb
{
    public static Command Create()
    {
        var role = CliOption.Text("--role", "what the token may do", "viewer|operator|sre|device");
        role.Required = true;
        var device = CliOption.Text("--device", "the one device a device token is bound to", "ID");
        var name = CliOption.Text("--name", "a note saying what the token is for", "TEXT");
        var create = new Command("create", "create a token and print its secret once (only its sha256 is stored)") { role, device, name };
        create.SetAction((r, _) => CreateAsync(r, r.GetValue(role)!, r.GetValue(device), r.GetValue(name)));

        var list = new Command("list", "every token, revoked ones included (never their secrets)");
        list.SetAction((r, _) => ListAsync(r));

        var id = new Argument<string>("ID") { Description = "the token's id (from 'tokens list')" };
        var revoke = new Command("revoke", "revoke a token: it is refused from now on") { id };
        revoke.SetAction((r, _) => RevokeAsync(r, r.GetValue(id)!));

        return new Command("tokens", "create, list or revoke API tokens (roles viewer, operator, sre, device)") { create, list, revoke }
            .CallsApi()
            .WithDetails("Needs the admin token (--token, FLEET_TOKEN or <data>/admin.token).");
    }

    private static async Task<int> CreateAsync(ParseResult r, string role, string? device, string? name)
    {
        using var api = ApiClient.From(r);
        var created = await api.PostAsync<TokenReplies.Created>("api/v1/tokens", new { role, device_id = device, name });
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(new { id = created.View.Id, role = created.View.Role, device_id = created.View.DeviceId, token = created.Token })
            : $"{created.Token}\n(token {created.View.Id}, role {created.View.Role}{(created.View.DeviceId is null ? "" : ", device " + created.View.DeviceId)}; shown once)\n");
        return 0;
    }

    private static async Task<int> ListAsync(ParseResult r)
    {
        using var api = ApiClient.From(r);
        var all = await api.GetAsync<List<TokenReplies.TokenView>>("api/v1/tokens");
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(all) : all.Count == 0 ? "no tokens\n" : TextTable.Render(
            ["ID", "ROLE", "DEVICE", "NAME", "CREATED", "BY", "REVOKED"],
            all.Select(t => (IReadOnlyList<string>)[t.Id, t.Role, t.DeviceId ?? "-", t.Name ?? "-", $"{t.CreatedAt:u}", t.CreatedBy,
                t.RevokedAt is { } at ? $"{at:u}" : "-"])));
        return 0;
    }

    private static async Task<int> RevokeAsync(ParseResult r, string id)
    {
        using var api = ApiClient.From(r);
        var revoked = await api.DeleteAsync<TokenReplies.TokenView>($"api/v1/tokens/{Uri.EscapeDataString(id)}");
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(revoked) : $"revoked {revoked.Id} ({revoked.Role})\n");
        return 0;
    }
}
