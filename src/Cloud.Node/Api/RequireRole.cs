using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Api;

/// <summary>Per-endpoint role checks: <c>.RequireRole(TokenRoles.Operator)</c>; a wrong role is 403 with a JSON error.</summary>
public static class RequireRoleExtensions
{
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRoles(roles)).AddEndpointFilter(async (ctx, next) =>
        {
            var principal = ctx.HttpContext.Principal();
            if (principal is null || !roles.Any(principal.Has))
                return ApiResults.Error(StatusCodes.Status403Forbidden,
                    $"role '{principal?.Role ?? "none"}' may not {ctx.HttpContext.Request.Method} {ctx.HttpContext.Request.Path} (needs {string.Join(" or ", roles)})");
            return await next(ctx);
        });

    public static ApiPrincipal? Principal(this HttpContext ctx) =>
        ctx.Items.TryGetValue(TokenAuthentication.PrincipalItem, out var p) ? p as ApiPrincipal : null;

    public static ApiPrincipal RequiredPrincipal(this HttpContext ctx) =>
        ctx.Principal() ?? throw new InvalidOperationException("no principal: the authentication middleware did not run");
}
