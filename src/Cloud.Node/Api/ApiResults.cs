using Akka.Actor;
using Fleet.Shared.Commands;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Api;

/// <summary>Every API answer is Fleet JSON; every error is <see cref="ApiError"/>: <c>{"error": "one line"}</c>.</summary>
public static class ApiResults
{
    public static IResult Ok(object value, int status = StatusCodes.Status200OK) => Results.Json(value, FleetJson.Options, statusCode: status);

    public static IResult Created(object value) => Results.Json(value, FleetJson.Options, statusCode: StatusCodes.Status201Created);

    public static IResult Error(int status, string message) => JsonErrors.Error(status, message);

    public static IResult NotFound(string message) => Error(StatusCodes.Status404NotFound, message);

    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, message);

    public static IResult Forbidden(string message) => Error(StatusCodes.Status403Forbidden, message);

    public static IResult Conflict(string message) => Error(StatusCodes.Status409Conflict, message);

    /// <summary>
    /// The one place a refused command becomes an HTTP answer: the status follows from the code, the message is the
    /// refusal's line (after <paramref name="prefix"/>, where an endpoint names its step). With
    /// <paramref name="withReason"/> the code's kebab name goes in the error's <c>reason</c> field, for APIs whose clients act on it.
    /// </summary>
    public static IResult Refusal(Refused refused, string prefix = "", bool withReason = false) =>
        Results.Json(new ApiError(prefix + refused.Reason, withReason ? FleetJson.Name(refused.Code) : null), FleetJson.Options,
            statusCode: StatusOf(refused.Code));

    /// <summary>The HTTP status for each refusal code; the switch has no default so that a new code must be given one.</summary>
    public static int StatusOf(RefusalCode code) => code switch
    {
        RefusalCode.Invalid => StatusCodes.Status400BadRequest,
        RefusalCode.NotFound => StatusCodes.Status404NotFound,
        RefusalCode.Conflict => StatusCodes.Status409Conflict,
        RefusalCode.Gone => StatusCodes.Status410Gone,
        RefusalCode.Forbidden or RefusalCode.NotAllowed => StatusCodes.Status403Forbidden,
        RefusalCode.Budget or RefusalCode.DeviceQuota => StatusCodes.Status429TooManyRequests,
        RefusalCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "refusal code without an HTTP status: add it to ApiResults.StatusOf"),
    };

    /// <summary>429 with the one-line error and Retry-After in whole seconds, so a client knows when to try again.</summary>
    public static IResult TooManyRequests(string message, TimeSpan retryAfter) => JsonErrors.TooManyRequests(message, retryAfter);

    /// <summary>
    /// Errors the framework answers before an endpoint runs (a body that does not bind, no such route, a wrong method,
    /// a body over the size limit) come without a body; they get the same one-line <see cref="ApiError"/> as the rest.
    /// </summary>
    public static Task EmptyErrorAsJson(Microsoft.AspNetCore.Diagnostics.StatusCodeContext status)
    {
        var ctx = status.HttpContext;
        var phrase = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(ctx.Response.StatusCode).ToLowerInvariant();
        var message = ctx.Response.StatusCode == StatusCodes.Status400BadRequest
            ? BadIdParameter.Describe(ctx) ?? $"{ctx.Request.Method} {ctx.Request.Path}: the request body or a parameter is missing or malformed"
            : $"{ctx.Request.Method} {ctx.Request.Path}: {phrase}";
        return ctx.Response.WriteAsJsonAsync(new ApiError(message), FleetJson.Options);
    }

    public const string NotAnswered = "the control plane did not answer in time (a control node may be taking over); try again";

    /// <summary>
    /// An actor that does not answer in time (a singleton moving to another control node, a slow database) is a 503 with
    /// one line and Retry-After that clients can act on, not an unhandled 500 with an empty body.
    /// </summary>
    public static async Task NotAnsweredMiddleware(HttpContext ctx, RequestDelegate next)
    {
        try { await next(ctx); }
        catch (AskTimeoutException) when (!ctx.Response.HasStarted)
        {
            ctx.Response.Clear();
            ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            ctx.Response.Headers.RetryAfter = "2";
            await ctx.Response.WriteAsJsonAsync(new ApiError(NotAnswered), FleetJson.Options);
        }
    }
}
