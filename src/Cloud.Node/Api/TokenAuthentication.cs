using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Api;

/// <summary>
/// Who a bearer token belongs to: the admin token is compared by SHA-256 in constant time, a device token from enrolment
/// is checked against the fleet CA, every other token is looked up in the token store by its SHA-256 only.
/// <see cref="FleetBearerHandler"/> asks it for every request under <c>/api/</c>.
/// </summary>
public sealed class TokenAuthentication(AdminToken admin, IRequiredActor<TokenStore> tokens, DeviceTokens? enrolled = null)
{
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The caller, or null for a header that is no bearer token or an unknown or revoked one; an <see cref="AskTimeoutException"/> when the store does not answer.</summary>
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

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
