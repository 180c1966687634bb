using System.CommandLine;
using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Cloud.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud kill engage|status|release|list</c>: stop an artifact fleet-wide and watch every device confirm.</summary>
public static class KillVerb
{
    public static Command Create()
    {
        var scope = CliOption.Text("--scope", "what to stop: model:NAME@VERSION, campaign:ID, template:NAME@VERSION or all-generative", "SCOPE");
        scope.Required = true;
        var engageReason = Reason("why it is engaged (kept in the audit log)");
        var engage = new Command("engage", "stop an artifact on every device now (role sre)") { scope, engageReason };
        engage.SetAction((r, _) => EngageAsync(r, KillScope.Parse(r.GetValue(scope)!), r.GetValue(engageReason)!));

        var statusId = new Argument<string?>("ID") { Description = "the kill (default: the latest)", Arity = ArgumentArity.ZeroOrOne };
        var status = new Command("status", "which devices acknowledged a kill, engage->ack percentiles") { statusId, StatusWatch.Watch, StatusWatch.Timeout }
            .WithDetails("--watch: until every device acknowledged (exit 0); --timeout: exit 4 with the devices still pending.");
        status.SetAction((r, _) => StatusAsync(r, r.GetValue(statusId)));

        var releaseId = new Argument<string>("ID") { Description = "the kill to release" };
        var releaseReason = Reason("why it is released (kept in the audit log)");
        var release = new Command("release", "let the artifact run again (role sre)") { releaseId, releaseReason };
        release.SetAction((r, _) => ReleaseAsync(r, r.GetValue(releaseId)!, r.GetValue(releaseReason)!));

        var list = new Command("list", "every kill, active and released, and the current epoch");
        list.SetAction((r, _) => ListAsync(r));

        return new Command("kill", "kill-switch: engage, status [--watch], release, list (role sre to change)") { engage, status, release, list }.CallsApi();
    }

    private static Option<string?> Reason(string description)
    {
        var reason = CliOption.Text("--reason", description, "TEXT");
        reason.Required = true;
        return reason;
    }

    private static async Task<int> EngageAsync(ParseResult r, KillScope scope, string reason)
    {
        using var api = ApiClient.From(r);
        var engaged = await api.PostAsync<KillCommands.Result>("api/v1/kill", new KillSwitchEndpoints.EngageRequest(scope.ToString(), reason));
        Console.Write(r.GetValue(FleetCli.Json) ? Json(engaged)
            : $"{engaged.Directive!.Id} engaged: {scope} at epoch {engaged.Epoch}; watch with 'fleet-cloud kill status {engaged.Directive.Id} --watch'\n");
        return 0;
    }

    private static async Task<int> ReleaseAsync(ParseResult r, string id, string reason)
    {
        using var api = ApiClient.From(r);
        var released = await api.PostAsync<KillCommands.Result>($"api/v1/kill/{Uri.EscapeDataString(id)}/release", new KillSwitchEndpoints.ReleaseRequest(reason));
        Console.Write(r.GetValue(FleetCli.Json) ? Json(released) : $"{id} released at epoch {released.Epoch}\n");
        return 0;
    }

    private static async Task<int> ListAsync(ParseResult r)
    {
        using var api = ApiClient.From(r);
        var state = await api.GetAsync<KillCommands.State>("api/v1/kill");
        Console.Write(r.GetValue(FleetCli.Json) ? Json(state) : List(state));
        return 0;
    }

    private static async Task<int> StatusAsync(ParseResult r, string? id)
    {
        var timeout = StatusWatch.TimeoutOf(r);
        using var api = ApiClient.From(r);
        id ??= (await api.GetAsync<KillCommands.State>("api/v1/kill")).Kills.LastOrDefault()?.Directive.Id
               ?? throw new FleetException("no kill has ever been engaged");
        return await StatusAsync(api, id, r.GetValue(StatusWatch.Watch), timeout, r.GetValue(FleetCli.Json));
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
