using System.Security.Claims;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Api;

/// <summary>
/// A caller the API has recognised: by its bearer token (role, and for device tokens the device), or by a signed URL.
/// It travels as the request's <see cref="ClaimsPrincipal"/> (<see cref="ToClaims"/>) and is read back with
/// <c>ctx.Principal()</c>.
/// </summary>
public sealed record ApiPrincipal(string Name, string Role, string? DeviceId = null, string? SignedPath = null)
{
    public const string Admin = TokenRoles.Admin;
    public const string Operator = TokenRoles.Operator;
    public const string Device = TokenRoles.Device;

    /// <summary>Pseudo-role of a request authorised by a <c>?sig=</c> signed URL for exactly its path.</summary>
    public const string SignedUrl = "signed-url";

    private const string DeviceClaim = "fleet:device";
    private const string SignedPathClaim = "fleet:signed-path";

    public bool Has(string role) => TokenRoles.Satisfies(Role, role);

    public bool IsDevice => Role == TokenRoles.Device;

    public ClaimsPrincipal ToClaims()
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, Name), new(ClaimTypes.Role, Role) };
        if (DeviceId is not null) claims.Add(new Claim(DeviceClaim, DeviceId));
        if (SignedPath is not null) claims.Add(new Claim(SignedPathClaim, SignedPath));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, FleetBearerHandler.SchemeName));
    }

    /// <summary>The API caller in <paramref name="user"/>, or null when the request was not authenticated by <see cref="FleetBearerHandler"/>.</summary>
    public static ApiPrincipal? From(ClaimsPrincipal? user) =>
        user?.Identities.FirstOrDefault(i => i is { IsAuthenticated: true, AuthenticationType: FleetBearerHandler.SchemeName }) is { } id
            ? new ApiPrincipal(id.FindFirst(ClaimTypes.Name)!.Value, id.FindFirst(ClaimTypes.Role)!.Value, id.FindFirst(DeviceClaim)?.Value,
                id.FindFirst(SignedPathClaim)?.Value)
            : null;
}
