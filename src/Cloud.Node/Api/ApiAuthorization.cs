using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace Fleet.Cloud.Api;

/// <summary>
/// The API's authentication (<see cref="FleetBearerHandler"/>) and authorization policies, registered once: a policy per
/// set of roles an endpoint admits (<c>.RequireRole</c>), <see cref="OwnDevice"/>, and a fallback for endpoints that
/// name no role (<see cref="ApiCallerRequirement"/>). Refusals are written by the handler as one-line JSON errors.
/// </summary>
public static class ApiAuthorization
{
    /// <summary>Policy: a device token reads only its own <c>{id}</c> (<see cref="OwnDeviceRequirement"/>).</summary>
    public const string OwnDevice = "fleet-own-device";

    private const string RolesPrefix = "fleet-roles:";
    private const string OutsideDeviceScopeItem = "fleet.outside-device-scope";

    /// <summary>The policy admitting any of <paramref name="roles"/>.</summary>
    public static string RolesPolicy(IEnumerable<string> roles) => RolesPrefix + string.Join('|', roles);

    public static IServiceCollection AddApiAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<TokenAuthentication>();
        services.AddAuthentication(FleetBearerHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, FleetBearerHandler>(FleetBearerHandler.SchemeName, null);
        services.AddAuthorization(o =>
        {
            o.FallbackPolicy = new AuthorizationPolicyBuilder().AddRequirements(new ApiCallerRequirement()).Build();
            o.AddPolicy(OwnDevice, p => p.AddRequirements(new OwnDeviceRequirement("id")));
        });
        services.AddSingleton<IAuthorizationPolicyProvider, PolicyProvider>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusalWriter>();
        return services;
    }

    /// <summary>
    /// Whether the request was a device token calling outside its scope. Such calls are refused like unauthenticated
    /// ones: they never reach an endpoint, and the audit log does not record them.
    /// </summary>
    public static bool OutsideDeviceScope(HttpContext ctx) => ctx.Items.ContainsKey(OutsideDeviceScopeItem);

    /// <summary>Builds the <see cref="RolesPolicy"/> policies on first use; every other name as registered.</summary>
    private sealed class PolicyProvider(IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options)
    {
        private readonly ConcurrentDictionary<string, AuthorizationPolicy> _roles = new(StringComparer.Ordinal);

        public override bool AllowsCachingPolicies => true;

        public override Task<AuthorizationPolicy?> GetPolicyAsync(string policyName) =>
            policyName.StartsWith(RolesPrefix, StringComparison.Ordinal)
                ? Task.FromResult<AuthorizationPolicy?>(_roles.GetOrAdd(policyName, n =>
                    new AuthorizationPolicyBuilder().AddRequirements(new RoleRequirement(n[RolesPrefix.Length..].Split('|'))).Build()))
                : base.GetPolicyAsync(policyName);
    }

    /// <summary>Challenge and forbid go to <see cref="FleetBearerHandler"/>, the forbid with the first failing requirement's line.</summary>
    private sealed class RefusalWriter : IAuthorizationMiddlewareResultHandler
    {
        public Task HandleAsync(RequestDelegate next, HttpContext ctx, AuthorizationPolicy policy, PolicyAuthorizationResult result)
        {
            if (result.Challenged) return ctx.ChallengeAsync(FleetBearerHandler.SchemeName);
            if (!result.Forbidden) return next(ctx);
            var reason = result.AuthorizationFailure?.FailureReasons.FirstOrDefault();
            if (reason is DeviceScopeRefusal) ctx.Items[OutsideDeviceScopeItem] = true;
            var properties = new AuthenticationProperties();
            if (reason is not null) properties.Items[FleetBearerHandler.ForbiddenMessage] = reason.Message;
            return ctx.ForbidAsync(FleetBearerHandler.SchemeName, properties);
        }
    }
}
