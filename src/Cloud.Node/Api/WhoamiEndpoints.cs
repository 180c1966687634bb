using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Api;

/// <summary>
/// HTTP: <c>GET /api/v1/whoami</c>, the caller's name, role and every role it may act as, so a client (the console)
/// shows only the actions the server would accept. The server still checks each action (<see cref="RequireRoleExtensions"/>).
/// </summary>
public static class WhoamiEndpoints
{
    public sealed record Whoami(string Name, string Role, IReadOnlyList<string> Acts);

    private static readonly string[] Roles = [TokenRoles.Viewer, TokenRoles.Operator, TokenRoles.Sre, TokenRoles.Admin];

    public static void MapWhoami(this RouteGroupBuilder api) =>
        api.MapGet("/whoami", (HttpContext ctx) =>
            {
                var p = ctx.RequiredPrincipal();
                return ApiResults.Ok(new Whoami(p.Name, p.Role, Roles.Where(p.Has).ToList()));
            })
            .RequireRole(TokenRoles.Viewer).WithName("getWhoami").WithSummary("The caller's token: name, role and the roles it may act as").Produces<Whoami>();
}
