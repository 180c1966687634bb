using Fleet.Cloud.Api;
using Fleet.Shared.Devices;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Enrolment;

/// <summary>
/// HTTP: <c>POST /api/v1/enrolments</c> (operator: a bundle or a one-time code), <c>POST /api/v1/devices/{id}/revoke</c>
/// (operator), and the device side outside the bearer-token area, where the code itself is the credential:
/// <c>GET /enrolment/v1/ca</c> and <c>POST /enrolment/v1/redeem</c> (429 with Retry-After once a device id or a client
/// address has guessed too often).
/// </summary>
public static class EnrolmentEndpoints
{
    public const string RedeemPath = "/enrolment/v1/redeem";
    public const string CaPath = "/enrolment/v1/ca";

    public static void MapEnrolment(this RouteGroupBuilder api, IEndpointRouteBuilder app)
    {
        api.MapPost("/enrolments", (HttpContext ctx, EnrolmentService svc, RedeemLimiter limiter, CancellationToken ct) => Guarded(async () =>
        {
            var req = await Body<EnrolRequest>(ctx, ct);
            if (DeviceId.Invalid(req.DeviceId) is { } badDevice) return ApiResults.BadRequest(badDevice);
            if (req.Code)
            {
                var (code, expires) = await svc.IssueCodeAsync(req, ct);
                limiter.Forget(req.DeviceId);
                return ApiResults.Ok(new EnrolmentCodeView(req.DeviceId, code.ToString(), expires));
            }
            return ApiResults.Ok(await svc.IssueBundleAsync(req, BaseUrl(ctx), ct));
        }))
            .RequireRole(TokenRoles.Operator).WithName("createEnrolment").WithTags("enrolment")
            .WithSummary("Enrol a device: its bundle (certificate, key, trust), or with code: true a one-time code the device redeems itself")
            .Accepts<EnrolRequest>("application/json").Produces<EnrolmentBundle>().ProducesAlso<EnrolmentCodeView>().Errors(400, 409);
        api.MapPost("/devices/{id}/revoke", (DeviceId id, HttpContext ctx, EnrolmentService svc, CancellationToken ct) => Guarded(async () =>
        {
            var by = ctx.Principal()?.Name ?? "unknown";
            var result = await svc.RevokeAsync(id.Value, by, ct);
            return result.Known ? ApiResults.Ok(result) : ApiResults.NotFound($"device '{id}' is not known to the registry");
        }))
            .RequireRole(TokenRoles.Operator).WithName("revokeDevice").WithTags("enrolment")
            .WithSummary("Revoke a device's certificate and tokens; it is disconnected and cannot enrol again under the same certificate")
            .Produces<DeviceReplies.RevokeResult>().Errors(400, 404);
        app.MapGet(CaPath, (EnrolmentService svc) => Guarded(() => Task.FromResult(Results.Text(svc.CaPem, "application/x-pem-file"))))
            .WithName("getFleetCa").WithTags("enrolment").WithSummary("The fleet CA certificate (PEM), for a device to check the cloud it enrols with")
            .Produces<string>(contentType: "application/x-pem-file").Errors(409);
        app.MapPost(RedeemPath, (HttpContext ctx, EnrolmentService svc, RedeemLimiter limiter, CancellationToken ct) =>
                Guarded(() => RedeemAsync(ctx, svc, limiter, ct)))
            .WithName("redeemEnrolmentCode").WithTags("enrolment")
            .WithSummary("Redeem a one-time enrolment code with the device's certificate signing request; the code is the credential")
            .Accepts<RedeemRequest>("application/json").Produces<EnrolmentBundle>().Errors(400, 403, 409, 429, 503);
    }

    /// <summary>The code is the only credential here, so guessing is limited before any actor is asked or anything signed.</summary>
    private static async Task<IResult> RedeemAsync(HttpContext ctx, EnrolmentService svc, RedeemLimiter limiter, CancellationToken ct)
    {
        var req = await Body<RedeemRequest>(ctx, ct);
        var deviceId = EnrolmentCode.TryParse(req.Code)?.DeviceId;
        var client = RedeemLimiter.ClientOf(ctx.Connection.RemoteIpAddress);
        if (limiter.Admit(deviceId, client) is { } throttled) return ApiResults.TooManyRequests(throttled.Reason, throttled.RetryAfter);
        var bundle = await svc.RedeemAsync(req, BaseUrl(ctx), ct);
        limiter.Succeeded(deviceId, client);
        return ApiResults.Ok(bundle);
    }

    /// <summary>The enrolment service and its redeem limiter (one per API node).</summary>
    public static IServiceCollection AddEnrolment(this IServiceCollection services) => services
        .AddSingleton<EnrolmentService>()
        .AddSingleton(new RedeemLimiter(RedeemLimits.Default, TimeProvider.System));

    private static async Task<IResult> Guarded(Func<Task<IResult>> action)
    {
        try { return await action(); }
        catch (EnrolmentException e) { return ApiResults.Error(e.Status, e.Message); }
    }

    /// <summary>Bodies are Fleet JSON (snake_case), like every answer.</summary>
    private static async Task<T> Body<T>(HttpContext ctx, CancellationToken ct)
    {
        try
        {
            return await ctx.Request.ReadFromJsonAsync<T>(FleetJson.Options, ct) ?? throw new EnrolmentException(StatusCodes.Status400BadRequest, "empty request body");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new EnrolmentException(StatusCodes.Status400BadRequest, $"request body is not valid JSON: {e.Message}");
        }
    }

    private static string BaseUrl(HttpContext ctx) => $"{ctx.Request.Scheme}://{ctx.Request.Host}";
}
