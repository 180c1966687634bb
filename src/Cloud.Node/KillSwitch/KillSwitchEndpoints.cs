using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Devices;
using Fleet.Shared.Cli;
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
                new KillCommands.Engage(scope, body.Reason ?? "", Caller(ctx)), AskTimeout);
            CloudAudit.Note(ctx, $"{scope}: {body.Reason}");
            return result.Error is null ? ApiResults.Created(result) : ApiResults.Error(StatusCodes.Status409Conflict, result.Error);
        }).RequireRole(TokenRoles.Sre);
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
        }).RequireRole(TokenRoles.Sre);
        api.MapGet("/kill", async (IRequiredActor<KillSwitchAuthorityKey> authority) =>
            ApiResults.Ok(await authority.ActorRef.Ask<KillCommands.State>(KillCommands.GetState.Instance, AskTimeout))).RequireRole(TokenRoles.Viewer);
        api.MapGet("/kill/{id}", async (string id, IRequiredActor<KillSwitchAuthorityKey> authority, DeviceDirectory devices, CancellationToken ct) =>
        {
            var state = await authority.ActorRef.Ask<KillCommands.State>(KillCommands.GetState.Instance, AskTimeout, ct);
            var kill = state.Kills.FirstOrDefault(k => k.Directive.Id == id);
            return kill is null ? ApiResults.NotFound($"no kill {id}") : ApiResults.Ok(KillStatus.Build(kill, state, await devices.ListAsync(ct)));
        }).RequireRole(TokenRoles.Viewer);
    }

    private static string Caller(HttpContext ctx) => (ctx.Items[TokenAuthentication.PrincipalItem] as ApiPrincipal)?.Name ?? "unknown";
}
