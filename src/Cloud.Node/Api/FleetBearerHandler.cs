using System.Text.Encodings.Web;
using Akka.Actor;
using Fleet.Shared.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Fleet.Cloud.Api;

/// <summary>
/// The API's authentication scheme, for everything under <c>/api/</c> (elsewhere it answers nothing, so the console,
/// <c>/metrics</c> and <c>/healthz</c> stay open): a bearer token (<see cref="TokenAuthentication"/>), or for a GET without
/// one a <c>?sig=</c> signed URL for exactly its path (<see cref="SignedUrls"/>). It writes the refusals in the one
/// <see cref="ApiError"/> shape: no token or an unknown or revoked one is 401 with <c>WWW-Authenticate: Bearer</c>, a
/// signed URL that does not hold is 403, a token store that does not answer is 503, and a caller whose role an endpoint
/// does not admit is 403 with the line the authorization policy gave (<see cref="ApiAuthorization"/>).
/// </summary>
public sealed class FleetBearerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    TokenAuthentication tokens, SignedUrls signedUrls) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "FleetBearer";

    /// <summary>The line a 403 says, handed from the authorization result to <see cref="HandleForbiddenAsync"/>.</summary>
    public const string ForbiddenMessage = "fleet.forbidden";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Path.StartsWithSegments("/api")) return AuthenticateResult.NoResult();
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header) && HttpMethods.IsGet(Request.Method) && Request.Query.TryGetValue("sig", out var sig))
        {
            var check = signedUrls.Check(Request.Path, sig.ToString());
            if (!check.IsValid) return AuthenticateResult.Fail(new Refusal(StatusCodes.Status403Forbidden, $"signed URL refused: {check.Message}"));
            return Success(new ApiPrincipal(ApiPrincipal.SignedUrl, ApiPrincipal.SignedUrl, check.Claims!.GetValueOrDefault("device"), Request.Path));
        }
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        ApiPrincipal? principal;
        try
        {
            principal = await tokens.AuthenticateAsync(header, Context.RequestAborted);
        }
        catch (AskTimeoutException)
        {
            return AuthenticateResult.Fail(new Refusal(StatusCodes.Status503ServiceUnavailable, "the token store did not answer; try again"));
        }
        return principal is null
            ? AuthenticateResult.Fail(new Refusal(StatusCodes.Status401Unauthorized, "invalid bearer token (unknown or revoked)"))
            : Success(principal);
    }

    private static AuthenticateResult Success(ApiPrincipal principal) => AuthenticateResult.Success(new AuthenticationTicket(principal.ToClaims(), SchemeName));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var refusal = result.Failure as Refusal ?? new Refusal(StatusCodes.Status401Unauthorized, "missing bearer token");
        if (refusal.Status == StatusCodes.Status401Unauthorized) Response.Headers.WWWAuthenticate = "Bearer";
        await WriteAsync(refusal.Status, refusal.Message);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteAsync(StatusCodes.Status403Forbidden, properties.Items.TryGetValue(ForbiddenMessage, out var m) && m is not null
            ? m : $"{Request.Method} {Request.Path} is not allowed for this token");

    private Task WriteAsync(int status, string message)
    {
        Response.StatusCode = status;
        return Response.WriteAsJsonAsync(new ApiError(message), FleetJson.Options);
    }

    /// <summary>Why authentication failed, and with which status the challenge answers.</summary>
    private sealed class Refusal(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }
}
