using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Devices;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.KillSwitch;

/// <summary>HTTP: engage and release (role <c>sre</c>), list and status (role <c>viewer</c>).</summary>
public static class KillSwitchEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public sealed record EngageRequest(string? Scope, string? Reason);

    public sealed record ReleaseRequest(string? Reason);

    public static void MapKillSwitch(this RouteGroupBuilder api)
    {
        api.MapPost("/kill", async (EngageRequest body, HttpContext ctx, IRequiredActor<KillSwitchAuthorityKey> authority) =>
        {
            KillScope scope;
            try { scope = KillScope.Parse(body.Scope ?? ""); }
            catch (UsageException e) { return ApiResults.BadRequest(e.Message.Replace("--scope ", "scope ")); }
            var result = await authority.ActorRef.Ask<KillCommands.Result>(
                new KillCommands.Engage(scope, body.Reason ?? "", Caller(ctx), System.Diagnostics.Activity.Current?.Id), AskTimeout);
            CloudAudit.Note(ctx, $"{scope}: {body.Reason}");
            return result.Error is null ? ApiResults.Created(result) : ApiResults.Error(StatusCodes.Status409Conflict, result.Error);
        }).RequireRole(TokenRoles.Sre).WithName("engageKill").WithTags("kill-switch")
            .WithSummary("Engage a kill for a scope (fleet, campaign:ID, device:ID, tag:K=V) with a reason; devices stop playing it")
            .Produces<KillCommands.Result>(StatusCodes.Status201Created).Errors(400, 409);
        api.MapPost("/kill/{id}/release", async (string id, ReleaseRequest body, HttpContext ctx, IRequiredActor<KillSwitchAuthorityKey> authority) =>
        {
            var result = await authority.ActorRef.Ask<KillCommands.Result>(new KillCommands.Release(id, body.Reason ?? "", Caller(ctx)), AskTimeout);
            CloudAudit.Note(ctx, $"{id}: {body.Reason}");
            return result.Error switch
            {
                null => ApiResults.Ok(result),
                var e when e.StartsWith("no kill", StringComparison.Ordinal) => ApiResults.NotFound(e),
                var e => ApiResults.Error(StatusCodes.Status409Conflict, e),
            };
        }).RequireRole(TokenRoles.Sre).WithName("releaseKill").WithTags("kill-switch").WithSummary("Release a kill with a reason")
            .Produces<KillCommands.Result>().Errors(404, 409);
        api.MapGet("/kill", async (IRequiredActor<KillSwitchAuthorityKey> authority) =>
            ApiResults.Ok(await authority.ActorRef.Ask<KillCommands.State>(KillCommands.GetState.Instance, AskTimeout))).RequireRole(TokenRoles.Viewer)
            .WithName("getKillState").WithTags("kill-switch").WithSummary("Every kill with the current epoch and each device's acknowledgement")
            .Produces<KillCommands.State>();
        api.MapGet("/kill/{id}", async (string id, IRequiredActor<KillSwitchAuthorityKey> authority, DeviceDirectory devices, CancellationToken ct) =>
        {
            var state = await authority.ActorRef.Ask<KillCommands.State>(KillCommands.GetState.Instance, AskTimeout, ct);
            var kill = state.Kills.FirstOrDefault(k => k.Directive.Id == id);
            return kill is null ? ApiResults.NotFound($"no kill {id}") : ApiResults.Ok(KillStatus.Build(kill, state, await devices.ListAsync(ct)));
        }).RequireRole(TokenRoles.Viewer).WithName("getKill").WithTags("kill-switch")
            .WithSummary("One kill: active or released, acknowledged and pending devices, acknowledgement latency")
            .Produces<KillStatus>().Errors(404);
    }

    private static string Caller(HttpContext ctx) => ctx.Principal()?.Name ?? "unknown";
}
