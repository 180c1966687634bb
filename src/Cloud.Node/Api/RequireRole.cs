using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Api;

/// <summary>
/// Per-endpoint role checks: <c>.RequireRole(TokenRoles.Operator)</c> is the authorization policy admitting those roles
/// (<see cref="ApiAuthorization"/>); a wrong role is 403 with a JSON error. A device token reaches only endpoints whose
/// roles include <see cref="TokenRoles.Device"/>.
/// </summary>
public static class RequireRoleExtensions
{
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRoles(roles)).RequireAuthorization(ApiAuthorization.RolesPolicy(roles));

    /// <summary>A device token passes only for its own device in the route's <c>{id}</c>.</summary>
    public static TBuilder RequireOwnDevice<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(ApiAuthorization.OwnDevice);

    public static ApiPrincipal? Principal(this HttpContext ctx) => ApiPrincipal.From(ctx.User);

    public static ApiPrincipal RequiredPrincipal(this HttpContext ctx) =>
        ctx.Principal() ?? throw new InvalidOperationException("no principal: the endpoint is not behind the API's authentication");
}
