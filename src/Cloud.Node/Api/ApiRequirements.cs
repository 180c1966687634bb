using Microsoft.AspNetCore.Authorization;

namespace Fleet.Cloud.Api;

/// <summary>
/// What a device token may reach: only endpoints that admit the device role (<c>.RequireRole(..., TokenRoles.Device)</c>),
/// with <see cref="OwnDeviceRequirement"/> where the route names a device; the endpoints then check that the content is
/// assigned to it. Everything else answers it with one line saying so.
/// </summary>
public sealed class DeviceScopeRefusal(IAuthorizationHandler handler, string deviceId)
    : AuthorizationFailureReason(handler, $"a device token for {deviceId} may only read /api/v1/devices/{deviceId}, its assigned manifests, fleet priors and assets, and request its own renders and cloud render jobs");

/// <summary>The caller holds one of <see cref="Roles"/> (as <see cref="Fleet.Shared.Tokens.TokenRoles.Satisfies"/> reads them); set by <c>.RequireRole</c>.</summary>
public sealed class RoleRequirement(IReadOnlyList<string> roles) : AuthorizationHandler<RoleRequirement>, IAuthorizationRequirement
{
    public IReadOnlyList<string> Roles { get; } = roles;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleRequirement requirement)
    {
        if (ApiPrincipal.From(context.User) is not { } p) return Task.CompletedTask; // not authenticated: the challenge answers
        if (requirement.Roles.Any(p.Has)) context.Succeed(requirement);
        else if (p.IsDevice) context.Fail(new DeviceScopeRefusal(this, p.DeviceId ?? "?"));
        else
        {
            var request = (context.Resource as HttpContext)?.Request;
            context.Fail(new AuthorizationFailureReason(this,
                $"role '{p.Role}' may not {request?.Method} {request?.Path} (needs {string.Join(" or ", requirement.Roles)})"));
        }
        return Task.CompletedTask;
    }
}

/// <summary>A device token passes only with its own device id in the route value <see cref="RouteValue"/>; other callers pass.</summary>
public sealed class OwnDeviceRequirement(string routeValue) : AuthorizationHandler<OwnDeviceRequirement>, IAuthorizationRequirement
{
    public string RouteValue { get; } = routeValue;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OwnDeviceRequirement requirement)
    {
        if (ApiPrincipal.From(context.User) is not { } p) return Task.CompletedTask;
        var named = (context.Resource as HttpContext)?.Request.RouteValues[requirement.RouteValue] as string;
        if (!p.IsDevice || (p.DeviceId is not null && named == p.DeviceId)) context.Succeed(requirement);
        else context.Fail(new DeviceScopeRefusal(this, p.DeviceId ?? "?"));
        return Task.CompletedTask;
    }
}

/// <summary>
/// The rule for endpoints without <c>.RequireRole</c> (and for paths no endpoint matches): outside <c>/api/</c> anyone
/// (console, <c>/metrics</c>, <c>/healthz</c>, enrolment); under it any authenticated caller except a device token.
/// </summary>
public sealed class ApiCallerRequirement : AuthorizationHandler<ApiCallerRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiCallerRequirement requirement)
    {
        if (context.Resource is HttpContext http && !http.Request.Path.StartsWithSegments("/api")) context.Succeed(requirement);
        else if (ApiPrincipal.From(context.User) is not { } p) { } // not authenticated: the challenge answers
        else if (p.IsDevice) context.Fail(new DeviceScopeRefusal(this, p.DeviceId ?? "?"));
        else context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
