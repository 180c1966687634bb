using System.Text.Json;
using Fleet.Cloud.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Cloud.Node.Tests.Api;

/// <summary>
/// The API's authentication scheme in a built node: who each credential is, and the one-line JSON answer for each refusal
/// (what the authorization middleware gets when it challenges). Token-store lookups are left to the integration tests.
/// </summary>
public sealed class FleetBearerHandlerTests(BuiltCloudNode node) : IClassFixture<BuiltCloudNode>
{
    [Fact]
    public async Task No_token_and_a_header_that_is_no_bearer_token_are_401_with_www_authenticate_and_one_line()
    {
        var none = await ChallengeAsync(Request("/api/v1/campaigns"));
        Assert.Equal((401, "Bearer", "missing bearer token"), (none.StatusCode, none.Headers.WWWAuthenticate.ToString(), Error(none)));
        var basic = await ChallengeAsync(Request("/api/v1/campaigns", "Basic YWRtaW46YWRtaW4="));
        Assert.Equal((401, "Bearer", "invalid bearer token (unknown or revoked)"), (basic.StatusCode, basic.Headers.WWWAuthenticate.ToString(), Error(basic)));
    }

    [Fact]
    public async Task The_admin_token_and_a_device_token_from_the_fleet_ca_are_recognised_without_the_token_store()
    {
        var admin = node.App.Services.GetRequiredService<AdminToken>().Value;
        Assert.Equal(new ApiPrincipal("admin", "admin"), await PrincipalAsync(Request("/api/v1/campaigns", "Bearer " + admin)));
        var device = node.App.Services.GetRequiredService<DeviceTokens>().Issue("kiosk-7");
        Assert.Equal(new ApiPrincipal("device:kiosk-7", "device", "kiosk-7"), await PrincipalAsync(Request("/api/v1/keys/trust", "Bearer " + device)));
        // Outside /api nobody is authenticated, whatever the header says: the console and /metrics stay as they are.
        Assert.Null(await PrincipalAsync(Request("/metrics", "Bearer " + admin)));
    }

    [Fact]
    public async Task A_signed_url_opens_exactly_its_path_for_a_get_and_a_broken_one_is_403_without_a_bearer_challenge()
    {
        const string path = "/api/v1/campaigns/summer-sale/versions/1/manifest";
        var (url, _) = node.App.Services.GetRequiredService<SignedUrls>().Sign("http://fleet.test", path, "kiosk-7");
        var sig = Uri.UnescapeDataString(url[(url.IndexOf("?sig=", StringComparison.Ordinal) + 5)..]);
        Assert.Equal(new ApiPrincipal("signed-url", "signed-url", "kiosk-7", path), await PrincipalAsync(Request(path, sig: sig)));

        var other = await ChallengeAsync(Request("/api/v1/campaigns/winter/versions/1/manifest", sig: sig));
        Assert.Equal((403, "", "signed URL refused: signature is for another path"), (other.StatusCode, other.Headers.WWWAuthenticate.ToString(), Error(other)));
        // Anything but a GET needs a bearer token, signature or not.
        Assert.Null(await PrincipalAsync(Request(path, sig: sig, method: "POST")));
    }

    private HttpContext Request(string path, string? authorization = null, string? sig = null, string method = "GET")
    {
        var ctx = new DefaultHttpContext { RequestServices = node.App.Services.CreateScope().ServiceProvider, Response = { Body = new MemoryStream() } };
        ctx.Request.Method = method;
        ctx.Request.Path = path;
        if (authorization is not null) ctx.Request.Headers.Authorization = authorization;
        if (sig is not null) ctx.Request.QueryString = QueryString.Create("sig", sig);
        return ctx;
    }

    private static async Task<ApiPrincipal?> PrincipalAsync(HttpContext ctx) =>
        ApiPrincipal.From((await ctx.AuthenticateAsync(FleetBearerHandler.SchemeName)).Principal);

    private static async Task<HttpResponse> ChallengeAsync(HttpContext ctx)
    {
        await ctx.ChallengeAsync(FleetBearerHandler.SchemeName);
        return ctx.Response;
    }

    private static string? Error(HttpResponse response)
    {
        response.Body.Position = 0;
        return JsonDocument.Parse(response.Body).RootElement.GetProperty("error").GetString();
    }
}
