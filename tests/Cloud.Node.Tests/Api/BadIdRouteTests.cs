using System.Text.Json;
using Fleet.Cloud.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Fleet.Cloud.Node.Tests.Api;

/// <summary>
/// A route or query value that is no id of its kind stops at binding, before the endpoint or any actor runs, and the
/// caller reads a 400 whose one line names the kind and the value; other bad parameters keep the general line.
/// </summary>
public sealed class BadIdRouteTests(BuiltCloudNode node) : IClassFixture<BuiltCloudNode>
{
    private readonly WebApplication _app = node.App;

    [Theory]
    [InlineData("GET", "/api/v1/devices/Kiosk-1", "", "device id 'Kiosk-1' is invalid: use 1-63 of a-z 0-9 . _ - starting with a letter or digit")]
    [InlineData("GET", "/api/v1/devices/-kiosk/audit", "", "device id '-kiosk' is invalid: use 1-63 of a-z 0-9 . _ - starting with a letter or digit")]
    [InlineData("POST", "/api/v1/devices/kiosk~1/revoke", "", "device id 'kiosk~1' is invalid: use 1-63 of a-z 0-9 . _ - starting with a letter or digit")]
    [InlineData("GET", "/api/v1/telemetry", "?device=KIOSK", "device id 'KIOSK' is invalid: use 1-63 of a-z 0-9 . _ - starting with a letter or digit")]
    [InlineData("GET", "/api/v1/campaigns/spring_sale", "", "campaign id 'spring_sale' is invalid: use 1-64 of a-z 0-9 - starting with a letter or digit")]
    [InlineData("GET", "/api/v1/reports/campaigns/Spring", "", "campaign id 'Spring' is invalid: use 1-64 of a-z 0-9 - starting with a letter or digit")]
    [InlineData("GET", "/api/v1/renders", "?campaign=a.b", "campaign id 'a.b' is invalid: use 1-64 of a-z 0-9 - starting with a letter or digit")]
    public async Task A_bad_id_is_a_400_whose_line_names_the_kind_and_the_value(string method, string path, string query, string error)
    {
        var (status, body) = await SendAsync(method, path, query);
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.Equal(error, body);
    }

    [Fact]
    public async Task A_bad_parameter_that_is_no_id_keeps_the_general_line()
    {
        var (status, body) = await SendAsync("GET", "/api/v1/audit", "?limit=many");
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.Equal("GET /api/v1/audit: the request body or a parameter is missing or malformed", body);
    }

    [Fact]
    public async Task The_api_contract_declares_an_id_parameter_as_a_plain_string_and_the_400_a_bad_one_gets()
    {
        // A node that never started has not handed its endpoints to routing yet, which the document is built from.
        _app.UseRouting();
        _app.UseEndpoints(_ => { });
        var doc = await _app.Services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1").GetOpenApiDocumentAsync();
        foreach (var (path, name) in new[] { ("/api/v1/devices/{id}", "id"), ("/api/v1/campaigns/{id}", "id"), ("/api/v1/telemetry", "device"), ("/api/v1/renders", "campaign") })
        {
            var parameter = doc.Paths[path].Operations![HttpMethod.Get].Parameters!.Single(p => p.Name == name);
            Assert.Equal(JsonSchemaType.String, parameter.Schema!.Type);
            Assert.Null(parameter.Schema.Properties);
            Assert.True(doc.Paths[path].Operations![HttpMethod.Get].Responses!.ContainsKey("400"), $"GET {path} does not declare its 400");
        }
    }

    /// <summary>The call through the endpoint routing would pick and the status-code page the node answers errors with (authorization aside).</summary>
    private async Task<(int Status, string Error)> SendAsync(string method, string path, string query)
    {
        var (endpoint, values) = Route(method, path);
        var ctx = new DefaultHttpContext { RequestServices = _app.Services };
        ctx.Request.Method = method;
        ctx.Request.Path = path;
        ctx.Request.QueryString = new QueryString(query.Length > 0 ? query : null);
        ctx.Request.RouteValues = values;
        ctx.Response.Body = new MemoryStream();
        ctx.SetEndpoint(endpoint);
        var pages = new StatusCodePagesMiddleware(endpoint.RequestDelegate!, Options.Create(new StatusCodePagesOptions { HandleAsync = ApiResults.EmptyErrorAsJson }));
        await pages.Invoke(ctx);
        ctx.Response.Body.Position = 0;
        using var doc = await JsonDocument.ParseAsync(ctx.Response.Body);
        return (ctx.Response.StatusCode, doc.RootElement.GetProperty("error").GetString()!);
    }

    private (RouteEndpoint, RouteValueDictionary) Route(string method, string path)
    {
        var matches = new List<(RouteEndpoint, RouteValueDictionary)>();
        foreach (var endpoint in ((IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var values = new RouteValueDictionary();
            if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(method) == true
                && new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary()).TryMatch(path, values))
                matches.Add((endpoint, values));
        }
        return matches.Count > 0 ? matches.MinBy(e => (e.Item1.Order, e.Item1.RoutePattern.InboundPrecedence))
            : throw new InvalidOperationException($"no endpoint for {method} {path}");
    }
}
