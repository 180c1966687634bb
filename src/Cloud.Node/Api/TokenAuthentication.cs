using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Api;

/// <summary>A caller the API has recognised by its bearer token.</summary>
public sealed record ApiPrincipal(string Name, IReadOnlySet<string> Roles, string? DeviceId = null)
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Device = "device";

    public bool Has(string role) => Roles.Contains(Admin) || Roles.Contains(role);
}

/// <summary>
/// Bearer-token check for everything under <c>/api/</c>: no token is 401, an unknown token is 401, both with a JSON
/// error body. Tokens are compared by their SHA-256, so timing never reveals a prefix.
/// </summary>
public sealed class TokenAuthentication(AdminToken admin, DeviceTokens? devices = null)
{
    public const string PrincipalItem = "fleet.principal";

    public ApiPrincipal? Authenticate(string? authorizationHeader)
    {
        if (authorizationHeader is null || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var presented = authorizationHeader["Bearer ".Length..].Trim();
        if (devices?.Validate(presented) is { } deviceId)
            return new ApiPrincipal("device:" + deviceId, new HashSet<string> { ApiPrincipal.Device }, deviceId);
        return FixedTimeEquals(presented, admin.Value)
            ? new ApiPrincipal("admin", new HashSet<string> { ApiPrincipal.Admin })
            : null;
    }

    public async Task Middleware(HttpContext ctx, RequestDelegate next)
    {
        if (!ctx.Request.Path.StartsWithSegments("/api"))
        {
            await next(ctx);
            return;
        }
        var header = ctx.Request.Headers.Authorization.ToString();
        var principal = Authenticate(string.IsNullOrEmpty(header) ? null : header);
        if (principal is null)
        {
            ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
            var message = string.IsNullOrEmpty(header) ? "missing bearer token" : "invalid bearer token";
            await ctx.Response.WriteAsJsonAsync(new ApiError(message), FleetJson.Options);
            return;
        }
        // A device token is bound to its device: it reads that device's own record and nothing else.
        if (principal.DeviceId is { } own && (!HttpMethods.IsGet(ctx.Request.Method) || !ctx.Request.Path.Equals($"/api/v1/devices/{own}")))
        {
            ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
            await ctx.Response.WriteAsJsonAsync(new ApiError($"a device token for {own} may only read /api/v1/devices/{own}"), FleetJson.Options);
            return;
        }
        ctx.Items[PrincipalItem] = principal;
        await next(ctx);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
