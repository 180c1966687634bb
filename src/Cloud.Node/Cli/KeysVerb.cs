using Fleet.Cloud.Api;
using Fleet.Cloud.Keys;
using Fleet.Shared.Cli;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud keys list | rotate | revoke KID</c>: the manifest signing keys (rotate/revoke need operator).</summary>
public static class KeysVerb
{
    public static readonly Verb Verb = new("keys", "list, rotate or revoke manifest signing keys", RunAsync);

    private const string Usage = """
        usage: fleet-cloud keys [list] [--json]
               fleet-cloud keys rotate [--json]        add a key and sign new manifests with it; old keys stay trusted
               fleet-cloud keys revoke KID [--json]    remove a key fleet-wide (devices refuse its signatures)
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        a.RejectUnknown(ApiClient.Options);
        using var api = ApiClient.From(a);
        var keys = a.Positionals switch
        {
            [] or ["list"] => await api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys"),
            ["rotate"] => await api.PostAsync<List<KeyEndpoints.KeyView>>("api/v1/keys/rotate", new { }),
            ["revoke", var kid] => await api.PostAsync<List<KeyEndpoints.KeyView>>($"api/v1/keys/{Uri.EscapeDataString(kid)}/revoke", new { }),
            _ => throw new UsageException("use 'keys list', 'keys rotate' or 'keys revoke KID'"),
        };
        Console.Write(a.Flag("json") ? CliJson.Of(keys) : TextTable.Render(["KID", "STATE"],
            keys.Select(k => (IReadOnlyList<string>)[k.Kid, k.Revoked ? "revoked" : k.Active ? "active (signing)" : "trusted"])));
        return 0;
    }
}
