using System.Security.Claims;
using Fleet.Cloud.Api;
using Fleet.Shared.Tokens;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Cloud.Node.Tests.Api;

/// <summary>
/// Every endpoint the cloud node maps, checked against the API's authorization policies as the authorization middleware
/// evaluates them: a device token reaches exactly the calls of <see cref="DeviceMayCall"/>, nobody
/// reaches <c>/api/</c> without a token, and everything outside it stays open. Adding the device role to a new endpoint
/// makes this fail until the list below says so on purpose.
/// </summary>
public sealed class DeviceScopeTests(BuiltCloudNode node) : IClassFixture<BuiltCloudNode>
{
    private const string Own = "kiosk-own";
    private const string Other = "kiosk-other";
    private readonly WebApplication _app = node.App;

    /// <summary>
    /// The calls a device token may make: the path allow-list the bearer-token middleware enforced before the API had
    /// authorization policies. Widen it only on purpose, with the reason beside it, never to make this test pass.
    /// </summary>
    private static bool DeviceMayCall(string method, string path, string own)
    {
        if (method == "POST") return path is "/api/v1/ads/render" or "/api/v1/renders/jobs";
        if (method != "GET") return false;
        return path == $"/api/v1/devices/{own}" || path.StartsWith("/api/v1/renders/jobs/", StringComparison.Ordinal) || path == "/api/v1/keys/trust"
               || path.StartsWith("/api/v1/assets/", StringComparison.Ordinal)
               || (path.StartsWith("/api/v1/campaigns/", StringComparison.Ordinal)
                   && (path.EndsWith("/manifest", StringComparison.Ordinal) || path.EndsWith("/prior", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_device_token_reaches_exactly_the_endpoints_of_the_old_allow_list_and_only_for_its_own_device()
    {
        var device = new ApiPrincipal("device:" + Own, TokenRoles.Device, Own).ToClaims();
        var wrong = new List<string>();
        var reached = new List<string>();
        foreach (var (endpoint, method) in Calls())
        foreach (var id in new[] { Own, Other })
        {
            var (path, values) = Fill(endpoint.RoutePattern, id);
            if (!path.StartsWith("/api/", StringComparison.Ordinal)) continue;
            var allowed = (await AuthorizeAsync(endpoint, method, path, values, device)).Succeeded;
            if (allowed) reached.Add($"{method} {path}");
            if (allowed != DeviceMayCall(method, path, Own)) wrong.Add($"{method} {path}: {(allowed ? "reachable now" : "no longer reachable")}");
        }
        Assert.True(wrong.Count == 0, "a device token's reach changed:\n" + string.Join("\n", wrong.Distinct()));
        // The list is not vacuous: manifests, priors, assets, render jobs, its own record, the trust set and two POSTs.
        Assert.Contains($"GET /api/v1/devices/{Own}", reached);
        Assert.DoesNotContain($"GET /api/v1/devices/{Other}", reached);
        Assert.Contains("POST /api/v1/renders/jobs", reached);
        Assert.True(reached.Count >= 10, string.Join("\n", reached));
    }

    [Fact]
    public async Task Without_a_token_nothing_under_api_is_reachable_and_everything_else_is()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity());
        var wrong = new List<string>();
        var outside = 0;
        foreach (var (endpoint, method) in Calls())
        {
            var (path, values) = Fill(endpoint.RoutePattern, Own);
            var api = path.StartsWith("/api/", StringComparison.Ordinal);
            if (!api) outside++;
            var result = await AuthorizeAsync(endpoint, method, path, values, anonymous);
            if (result.Succeeded == api) wrong.Add($"{method} {path}: {(api ? "open without a token" : "needs a token now")}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.True(outside >= 5, "the console, /metrics, /healthz, /readyz and enrolment are mapped outside /api");
    }

    [Theory]
    [InlineData(TokenRoles.Viewer, "POST", "/api/v1/campaigns", "role 'viewer' may not POST /api/v1/campaigns (needs operator)")]
    [InlineData(TokenRoles.Operator, "GET", "/api/v1/tokens", "role 'operator' may not GET /api/v1/tokens (needs admin)")]
    [InlineData(TokenRoles.Device, "GET", "/api/v1/telemetry", "a device token for kiosk-own may only read /api/v1/devices/kiosk-own, its assigned manifests")]
    [InlineData(TokenRoles.Device, "GET", "/api/v1/devices/kiosk-other", "a device token for kiosk-own may only read")]
    [InlineData(TokenRoles.Sre, "POST", "/api/v1/kill", null)]
    [InlineData(TokenRoles.Viewer, "GET", "/api/v1/devices/kiosk-other", null)]
    [InlineData(TokenRoles.Admin, "POST", "/api/v1/keys/rotate", null)]
    public async Task A_role_an_endpoint_does_not_admit_is_refused_with_the_line_the_caller_sees(string role, string method, string path, string? refusal)
    {
        var user = new ApiPrincipal(role, role, role == TokenRoles.Device ? Own : null).ToClaims();
        var (endpoint, values) = Route(method, path);
        var result = await AuthorizeAsync(endpoint, method, path, values, user);
        Assert.Equal(refusal is null, result.Succeeded);
        if (refusal is not null) Assert.StartsWith(refusal, Assert.Single(result.Failure!.FailureReasons).Message);
    }

    private IEnumerable<(RouteEndpoint Endpoint, string Method)> Calls() =>
        ((IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST", "PUT", "DELETE"]).Select(m => (e, m)));

    /// <summary>The endpoint routing would pick for a concrete call: of those whose pattern matches, the most specific.</summary>
    private (RouteEndpoint, RouteValueDictionary) Route(string method, string path)
    {
        var matches = new List<(RouteEndpoint, RouteValueDictionary)>();
        foreach (var (endpoint, m) in Calls())
        {
            var values = new RouteValueDictionary();
            if (m == method && new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary()).TryMatch(path, values))
                matches.Add((endpoint, values));
        }
        return matches.Count > 0 ? matches.MinBy(e => (e.Item1.Order, e.Item1.RoutePattern.InboundPrecedence))
            : throw new InvalidOperationException($"no endpoint for {method} {path}");
    }

    /// <summary>A concrete path for a route pattern: every parameter <paramref name="id"/> (numbers where the route wants an int).</summary>
    private static (string Path, RouteValueDictionary Values) Fill(RoutePattern pattern, string id)
    {
        var values = new RouteValueDictionary();
        var segments = pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(part => part switch
        {
            RoutePatternParameterPart p => (string)(values[p.Name] = p.ParameterPolicies.Any(c => c.Content == "int") ? "1" : id),
            RoutePatternLiteralPart l => l.Content,
            RoutePatternSeparatorPart s => s.Content,
            _ => throw new InvalidOperationException(part.ToString()),
        })));
        return ("/" + string.Join('/', segments), values);
    }

    /// <summary>What the authorization middleware decides for this call: the endpoint's combined policy, or the fallback.</summary>
    private async Task<AuthorizationResult> AuthorizeAsync(RouteEndpoint endpoint, string method, string path, RouteValueDictionary values, ClaimsPrincipal user)
    {
        var services = _app.Services;
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null) return AuthorizationResult.Success();
        var policy = await AuthorizationPolicy.CombineAsync(services.GetRequiredService<IAuthorizationPolicyProvider>(),
            endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(), endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>());
        if (policy is null) return AuthorizationResult.Success();
        var http = new DefaultHttpContext { RequestServices = services, User = user };
        http.Request.Method = method;
        http.Request.Path = path;
        http.Request.RouteValues = values;
        http.SetEndpoint(endpoint);
        return await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(user, http, policy);
    }
}
