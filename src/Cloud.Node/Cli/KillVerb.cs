using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Cloud.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud kill engage|status|release|list</c>: stop an artifact fleet-wide and watch every device confirm.</summary>
public static class KillVerb
{
    public static readonly Verb Verb = new("kill", "kill-switch: engage, status [--watch], release, list (role sre to change)", RunAsync, ["engage", "status", "release", "list"]);

    private const string Usage = """
        usage: fleet-cloud kill engage --scope model:NAME@VERSION|campaign:ID|template:NAME@VERSION|all-generative --reason TEXT
               fleet-cloud kill status [ID] [--watch [--timeout 60s]] [--json]
                   --watch: until every device acknowledged (exit 0); --timeout: exit 4 with the devices still pending
               fleet-cloud kill release ID --reason TEXT
               fleet-cloud kill list [--json]
          common: [--api URL] [--token TOKEN] [--data DIR]; engage and release need a token with the 'sre' role.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, "watch");
        if (a.Flag("help") || a.Positionals.Count == 0) { Console.WriteLine(Usage); return a.Flag("help") ? 0 : 2; }
        a.RejectUnknown(ApiClient.Options.Concat(new[] { "scope", "reason", "watch", "timeout" }).ToArray());
        using var api = ApiClient.From(a);
        var json = a.Flag("json");
        switch (a.Positionals)
        {
            case ["engage"]:
                var scope = KillScope.Parse(a.Required("scope"));
                var engaged = await api.PostAsync<KillCommands.Result>("api/v1/kill", new KillSwitchEndpoints.EngageRequest(scope.ToString(), a.Required("reason")));
                Console.Write(json ? Json(engaged) : $"{engaged.Directive!.Id} engaged: {scope} at epoch {engaged.Epoch}; watch with 'fleet-cloud kill status {engaged.Directive.Id} --watch'\n");
                return 0;
            case ["release", var id]:
                var released = await api.PostAsync<KillCommands.Result>($"api/v1/kill/{Uri.EscapeDataString(id)}/release", new KillSwitchEndpoints.ReleaseRequest(a.Required("reason")));
                Console.Write(json ? Json(released) : $"{id} released at epoch {released.Epoch}\n");
                return 0;
            case ["list"]:
                var state = await api.GetAsync<KillCommands.State>("api/v1/kill");
                Console.Write(json ? Json(state) : List(state));
                return 0;
            case ["status"]:
                var latest = (await api.GetAsync<KillCommands.State>("api/v1/kill")).Kills.LastOrDefault()
                             ?? throw new FleetException("no kill has ever been engaged");
                return await StatusAsync(api, latest.Directive.Id, a.Flag("watch"), StatusWatch.TimeoutOf(a), json);
            case ["status", var id]:
                return await StatusAsync(api, id, a.Flag("watch"), StatusWatch.TimeoutOf(a), json);
            default:
                throw new UsageException($"unexpected '{string.Join(' ', a.Positionals)}'");
        }
    }

    private static Task<int> StatusAsync(ApiClient api, string id, bool watch, TimeSpan? timeout, bool json) =>
        StatusWatch.RunAsync(() => api.GetAsync<KillStatus>($"api/v1/kill/{Uri.EscapeDataString(id)}"),
            s => json ? Json(s) : Status(s), json, s => s.Pending == 0 ? 0 : null, watch, timeout, TimeSpan.FromMilliseconds(500),
            s => $"{s.Pending} device(s) have not acknowledged: " + string.Join(", ", s.Devices.Where(d => d.State == "pending").Take(20).Select(d => d.DeviceId)));

    private static string Json(object o) => JsonSerializer.Serialize(o, o.GetType(), FleetJson.Indented) + "\n";

    private static string List(KillCommands.State s) => s.Kills.Count == 0
        ? $"no kills (epoch {s.Epoch})\n"
        : TextTable.Render(new[] { "ID", "EPOCH", "SCOPE", "STATE", "BY", "REASON" },
            s.Kills.Select(k => (IReadOnlyList<string>)new[]
            {
                k.Directive.Id, k.Directive.Epoch.ToString(), k.Directive.Scope.ToString(),
                k.ReleasedAt is null ? "active" : $"released@{k.ReleaseEpoch}", k.Directive.IssuedBy, k.Directive.Reason,
            }));

    private static string Status(KillStatus s)
    {
        var d = s.Kill.Directive;
        var head = $"{d.Id} {d.Scope} epoch {d.Epoch} {(s.Active ? "active" : "released")} — {s.Acknowledged} acknowledged, {s.Pending} pending; " +
                   $"engage->ack p50 {Ms(s.P50Ms)} p99 {Ms(s.P99Ms)} max {Ms(s.MaxMs)}\n";
        return head + TextTable.Render(new[] { "DEVICE", "STATE", "ACK MS", "EPOCH", "CONNECTIVITY" },
            s.Devices.Select(x => (IReadOnlyList<string>)new[]
            {
                x.DeviceId, x.State, x.AckMs is { } ms ? $"{ms:0}" : "-", x.AckedEpoch.ToString(), x.Connectivity.ToString().ToLowerInvariant(),
            }));
    }

    private static string Ms(double? v) => v is { } x ? $"{x:0} ms" : "-";
}
