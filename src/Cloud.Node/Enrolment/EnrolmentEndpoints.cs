using Fleet.Cloud.Api;
using Fleet.Shared.Devices;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Enrolment;

/// <summary>
/// HTTP: <c>POST /api/v1/enrolments</c> (operator: a bundle or a one-time code), <c>POST /api/v1/devices/{id}/revoke</c>
/// (operator), and the device side outside the bearer-token area, where the code itself is the credential:
/// <c>GET /enrolment/v1/ca</c> and <c>POST /enrolment/v1/redeem</c>.
/// </summary>
public static class EnrolmentEndpoints
{
    public const string RedeemPath = "/enrolment/v1/redeem";
    public const string CaPath = "/enrolment/v1/ca";

    public static void MapEnrolment(this RouteGroupBuilder api, IEndpointRouteBuilder app)
    {
        api.MapPost("/enrolments", (HttpContext ctx, EnrolmentService svc, CancellationToken ct) => Guarded(ctx, async () =>
        {
            var req = await Body<EnrolRequest>(ctx, ct);
            if (!DeviceId.IsValid(req.DeviceId)) return ApiResults.BadRequest($"device id '{req.DeviceId}' is invalid");
            if (req.Code)
            {
                var (code, expires) = await svc.IssueCodeAsync(req, ct);
                return ApiResults.Ok(new EnrolmentCodeView(req.DeviceId, code.ToString(), expires));
            }
            return ApiResults.Ok(await svc.IssueBundleAsync(req, BaseUrl(ctx), ct));
        }));
        api.MapPost("/devices/{id}/revoke", (string id, HttpContext ctx, EnrolmentService svc, CancellationToken ct) => Guarded(ctx, async () =>
        {
            if (!DeviceId.IsValid(id)) return ApiResults.BadRequest($"device id '{id}' is invalid");
            var by = (ctx.Items[TokenAuthentication.PrincipalItem] as ApiPrincipal)?.Name ?? "unknown";
            var result = await svc.RevokeAsync(id, by, ct);
            return result.Known ? ApiResults.Ok(result) : ApiResults.NotFound($"device '{id}' is not known to the registry");
        }));
        app.MapGet(CaPath, (EnrolmentService svc) => Guarded(null, () => Task.FromResult(Results.Text(svc.CaPem, "application/x-pem-file"))));
        app.MapPost(RedeemPath, (HttpContext ctx, EnrolmentService svc, CancellationToken ct) =>
            Guarded(null, async () => ApiResults.Ok(await svc.RedeemAsync(await Body<RedeemRequest>(ctx, ct), BaseUrl(ctx), ct))));
    }

    private static async Task<IResult> Guarded(HttpContext? operatorCall, Func<Task<IResult>> action)
    {
        if (operatorCall?.Items[TokenAuthentication.PrincipalItem] is ApiPrincipal p && !p.Has(ApiPrincipal.Operator))
            return ApiResults.Error(StatusCodes.Status403Forbidden, $"{p.Name} lacks the operator role");
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
