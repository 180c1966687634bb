using System.CommandLine;
using Fleet.Cloud.Api;
using Fleet.Cloud.Keys;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud keys list | status | rotate | revoke KID</c>: the manifest signing keys (rotate/revoke need operator).</summary>
public static class KeysVerb
{
    public static Command Create()
    {
        Func<ParseResult, CancellationToken, Task<int>> listKeys = (r, _) => ListAsync(r, api => api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys"));
        var list = new Command("list", "the signing keys and their state (the default)");
        list.SetAction(listKeys);

        var status = new Command("status", "which trust version each device confirmed; exits 3 while any lags");
        status.SetAction((r, _) => StatusAsync(r));

        var rotate = new Command("rotate", "add a key and sign new manifests with it; the old one stays trusted until it retires")
            .WithDetails("""
                The old key retires by itself once its successor has been active for 'fleet-cloud agent --retire-after' and
                every device confirmed a trust version holding the successor (or was written off); 'keys revoke' takes it out at once.
                """);
        rotate.SetAction((r, _) => ListAsync(r, api => api.PostAsync<List<KeyEndpoints.KeyView>>("api/v1/keys/rotate", new { })));

        var kid = new Argument<string>("KID") { Description = "the key to remove" };
        var revoke = new Command("revoke", "remove a key fleet-wide (devices refuse its signatures)") { kid };
        revoke.SetAction((r, _) => ListAsync(r, api => api.PostAsync<List<KeyEndpoints.KeyView>>($"api/v1/keys/{Uri.EscapeDataString(r.GetValue(kid)!)}/revoke", new { })));

        var keys = new Command("keys", "list, rotate or revoke manifest signing keys; which devices hold the current trust") { list, status, rotate, revoke }.CallsApi();
        keys.SetAction(listKeys);
        return keys;
    }

    private static async Task<int> ListAsync(ParseResult r, Func<ApiClient, Task<List<KeyEndpoints.KeyView>>> call)
    {
        using var api = ApiClient.From(r);
        var keys = await call(api);
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(keys) : TextTable.Render(["KID", "STATE"],
            keys.Select(k => (IReadOnlyList<string>)[k.Kid, k.Revoked ? "revoked" : k.Active ? "active (signing)" : "trusted"])));
        return 0;
    }

    /// <summary>Exit 3 while a device is behind, so a script can wait for a rotation to reach the fleet before revoking.</summary>
    private static async Task<int> StatusAsync(ParseResult r)
    {
        using var api = ApiClient.From(r);
        var s = await api.GetAsync<TrustStatus.View>("api/v1/keys/status");
        if (r.GetValue(FleetCli.Json)) Console.Write(CliJson.Of(s));
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
