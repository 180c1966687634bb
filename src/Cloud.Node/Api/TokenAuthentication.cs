using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tokens;
using Fleet.Shared.Http;

namespace Fleet.Cloud.Api;

/// <summary>A caller the API has recognised: by its bearer token (role, and for device tokens the device), or by a signed URL.</summary>
public sealed record ApiPrincipal(string Name, string Role, string? DeviceId = null, string? SignedPath = null)
{
    public const string Admin = TokenRoles.Admin;
    public const string Operator = TokenRoles.Operator;
    public const string Device = TokenRoles.Device;

    public bool Has(string role) => TokenRoles.Satisfies(Role, role);

    public bool IsDevice => Role == TokenRoles.Device;
}

/// <summary>
/// Bearer-token check for everything under <c>/api/</c>: no token is 401, an unknown or revoked token is 401, both with
/// a JSON error body. The admin token is compared by SHA-256 in constant time; every other token is looked up in the
/// token store by its SHA-256 only. A GET with a valid <c>?sig=</c> for exactly its path (see <see cref="SignedUrls"/>)
/// needs no bearer token.
/// </summary>
public sealed class TokenAuthentication(AdminToken admin, IRequiredActor<TokenStore> tokens, SignedUrls signedUrls, DeviceTokens? enrolled = null)
{
    public const string PrincipalItem = "fleet.principal";
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(5);

    public async Task<ApiPrincipal?> AuthenticateAsync(string? authorizationHeader, CancellationToken ct)
    {
        if (authorizationHeader is null || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var presented = authorizationHeader["Bearer ".Length..].Trim();
        if (presented.Length == 0) return null;
        if (FixedTimeEquals(presented, admin.Value)) return new ApiPrincipal("admin", TokenRoles.Admin);
        // Tokens from enrolment are derived from the fleet CA; every node holding the CA checks them without a lookup.
        if (enrolled?.Validate(presented) is { } enrolledDevice) return new ApiPrincipal("device:" + enrolledDevice, TokenRoles.Device, enrolledDevice);
        var store = await tokens.GetAsync(ct);
        var lookup = await store.Ask<TokenReplies.Lookup>(new TokenCommands.Authenticate(TokenSecrets.Hash(presented)), LookupTimeout, ct);
        return lookup.View is { } v ? new ApiPrincipal(v.Id, v.Role, v.DeviceId) : null;
    }

    public async Task Middleware(HttpContext ctx, RequestDelegate next)
    {
        if (!ctx.Request.Path.StartsWithSegments("/api"))
        {
            await next(ctx);
            return;
        }
        var header = ctx.Request.Headers.Authorization.ToString();
        ApiPrincipal? principal;
        if (string.IsNullOrEmpty(header) && ctx.Request.Query.TryGetValue("sig", out var sig) && HttpMethods.IsGet(ctx.Request.Method))
        {
            var check = signedUrls.Check(ctx.Request.Path, sig.ToString());
            if (!check.IsValid)
            {
                await Deny(ctx, StatusCodes.Status403Forbidden, $"signed URL refused: {check.Message}");
                return;
            }
            principal = new ApiPrincipal("signed-url", "signed-url", check.Claims!.GetValueOrDefault("device"), ctx.Request.Path);
        }
        else
        {
            try
            {
                principal = await AuthenticateAsync(string.IsNullOrEmpty(header) ? null : header, ctx.RequestAborted);
            }
            catch (AskTimeoutException)
            {
                await Deny(ctx, StatusCodes.Status503ServiceUnavailable, "the token store did not answer; try again");
                return;
            }
            if (principal is null)
            {
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
                await Deny(ctx, StatusCodes.Status401Unauthorized, string.IsNullOrEmpty(header) ? "missing bearer token" : "invalid bearer token (unknown or revoked)");
                return;
            }
        }
        if (principal.DeviceId is { } own && principal.IsDevice && !DeviceMayCall(ctx.Request, own))
        {
            await Deny(ctx, StatusCodes.Status403Forbidden,
                $"a device token for {own} may only read /api/v1/devices/{own}, its assigned manifests, fleet priors and assets, and request its own renders and cloud render jobs");
            return;
        }
        ctx.Items[PrincipalItem] = principal;
        await next(ctx);
    }

    /// <summary>The few calls a device token can make at all; the endpoints then check that the content is assigned to it.</summary>
    private static bool DeviceMayCall(HttpRequest r, string own)
    {
        var path = r.Path.Value ?? "";
        if (HttpMethods.IsPost(r.Method)) return path is "/api/v1/ads/render" or "/api/v1/renders/jobs";
        if (!HttpMethods.IsGet(r.Method)) return false;
        return path == $"/api/v1/devices/{own}" || path.StartsWith("/api/v1/renders/jobs/", StringComparison.Ordinal) || path == "/api/v1/keys/trust" || path.StartsWith("/api/v1/assets/", StringComparison.Ordinal)
               || (path.StartsWith("/api/v1/campaigns/", StringComparison.Ordinal)
                   && (path.EndsWith("/manifest", StringComparison.Ordinal) || path.EndsWith("/prior", StringComparison.Ordinal)));
    }

    private static async Task Deny(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsJsonAsync(new ApiError(message), FleetJson.Options);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
