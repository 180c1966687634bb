using Fleet.Cloud.Api;
using Fleet.Cloud.Keys;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud keys list | status | rotate | revoke KID</c>: the manifest signing keys (rotate/revoke need operator).</summary>
public static class KeysVerb
{
    public static readonly Verb Verb = new("keys", "list, rotate or revoke manifest signing keys; which devices hold the current trust", RunAsync, ["list", "rotate", "revoke", "status"]);

    private const string Usage = """
        usage: fleet-cloud keys [list] [--json]
               fleet-cloud keys status [--json]        which trust version each device confirmed; exits 3 while any lags
               fleet-cloud keys rotate [--json]        add a key and sign new manifests with it; the old one stays trusted
                                                until it retires (fleet-cloud agent --retire-after)
               fleet-cloud keys revoke KID [--json]    remove a key fleet-wide (devices refuse its signatures)
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        a.RejectUnknown(ApiClient.Options);
        using var api = ApiClient.From(a);
        if (a.Positionals is ["status"]) return await StatusAsync(api, a.Flag("json"));
        var keys = a.Positionals switch
        {
            [] or ["list"] => await api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys"),
            ["rotate"] => await api.PostAsync<List<KeyEndpoints.KeyView>>("api/v1/keys/rotate", new { }),
            ["revoke", var kid] => await api.PostAsync<List<KeyEndpoints.KeyView>>($"api/v1/keys/{Uri.EscapeDataString(kid)}/revoke", new { }),
            _ => throw new UsageException("use 'keys list', 'keys status', 'keys rotate' or 'keys revoke KID'"),
        };
        Console.Write(a.Flag("json") ? CliJson.Of(keys) : TextTable.Render(["KID", "STATE"],
            keys.Select(k => (IReadOnlyList<string>)[k.Kid, k.Revoked ? "revoked" : k.Active ? "active (signing)" : "trusted"])));
        return 0;
    }

    /// <summary>Exit 3 while a device is behind, so a script can wait for a rotation to reach the fleet before revoking.</summary>
    private static async Task<int> StatusAsync(ApiClient api, bool json)
    {
        var s = await api.GetAsync<TrustStatus.View>("api/v1/keys/status");
        if (json) Console.Write(CliJson.Of(s));
        else
        {
            Console.WriteLine($"trust version {s.TrustVersion} (active key {s.ActiveKid}): {s.OnCurrent} of {s.Devices} devices confirmed it");
            Console.Write(TextTable.Render(["TRUST VERSION", "DEVICES"],
                s.Versions.Select(v => (IReadOnlyList<string>)[v.TrustVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not reported", v.Devices.ToString(System.Globalization.CultureInfo.InvariantCulture)])));
            if (s.Behind.Count > 0) Console.WriteLine("behind: " + Listed(s.Behind.Select(d => d.DeviceId).ToList()));
            foreach (var old in s.OldKeys)
                Console.WriteLine($"old key {old.Kid} (superseded {old.SupersededAt:u}): " + (old.RetiresAfter is null ? "retires only by 'keys revoke' (--retire-after off)"
                    : old.WaitingFor.Count > 0 ? $"retires after {old.RetiresAfter:u} once these confirm the successor or are written off: {Listed(old.WaitingFor)}"
                    : $"retires after {old.RetiresAfter:u}"));
        }
        return s.Behind.Count == 0 ? 0 : 3;
    }

    private static string Listed(IReadOnlyList<string> ids) =>
        string.Join(", ", ids.Take(20)) + (ids.Count > 20 ? $" … and {ids.Count - 20} more" : "");
}
