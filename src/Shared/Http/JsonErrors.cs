using Fleet.Shared.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fleet.Shared.Http;

/// <summary>
/// Every error a Fleet HTTP API answers is an <see cref="ApiError"/>, whoever made it: an endpoint, routing (404, 405),
/// Kestrel's request checks (413 for a body over the limit, 400 for a malformed request) or a bug (500). A client never
/// has to handle an empty body or an HTML page, and a bad request is never logged as an unhandled exception.
/// </summary>
public static class JsonErrors
{
    /// <summary>Outermost middleware: answers exceptions and body-less error statuses with the error shape.</summary>
    public static async Task Middleware(HttpContext ctx, RequestDelegate next)
    {
        try
        {
            await next(ctx);
        }
        catch (BadHttpRequestException e) when (!ctx.Response.HasStarted)
        {
            // The client's fault (a body over the limit, a broken request): its status and one line, no stack trace.
            await WriteAsync(ctx, e.StatusCode, e.Message);
            return;
        }
        catch (Exception e) when (!ctx.Response.HasStarted && !ctx.RequestAborted.IsCancellationRequested)
        {
            ctx.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(JsonErrors).FullName!)
                .LogError(e, "{Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
            await WriteAsync(ctx, StatusCodes.Status500InternalServerError, $"unexpected {e.GetType().Name}; the request was not completed");
            return;
        }
        if (ctx.Response.StatusCode >= 400 && !ctx.Response.HasStarted && ctx.Response.ContentType is null && ctx.Response.ContentLength is null)
            await WriteAsync(ctx, ctx.Response.StatusCode, Describe(ctx));
    }

    /// <summary>JSON endpoints refuse any other body with 415 before reading it.</summary>
    public static TBuilder AcceptsJsonOnly<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (ctx, next) => ctx.HttpContext.Request.HasJsonContentType()
            ? await next(ctx)
            : Error(StatusCodes.Status415UnsupportedMediaType,
                $"content type must be application/json, got {(ctx.HttpContext.Request.ContentType is { Length: > 0 } t ? $"'{t}'" : "none")}"));

    public static IResult Error(int status, string message) => Results.Json(new ApiError(message), FleetJson.Options, statusCode: status);

    /// <summary>429 with Retry-After in whole seconds, so a client knows when to try again.</summary>
    public static IResult TooManyRequests(string message, TimeSpan retryAfter) =>
        new WithRetryAfter(Error(StatusCodes.Status429TooManyRequests, message), retryAfter);

    private sealed class WithRetryAfter(IResult inner, TimeSpan after) : IResult
    {
        public Task ExecuteAsync(HttpContext ctx)
        {
            ctx.Response.Headers.RetryAfter = $"{Math.Max(1, (long)Math.Ceiling(after.TotalSeconds))}";
            return inner.ExecuteAsync(ctx);
        }
    }

    private static string Describe(HttpContext ctx) => ctx.Response.StatusCode switch
    {
        StatusCodes.Status404NotFound => $"no such endpoint: {ctx.Request.Method} {ctx.Request.Path}",
        StatusCodes.Status405MethodNotAllowed => $"{ctx.Request.Method} is not allowed on {ctx.Request.Path}"
            + (ctx.Response.Headers.Allow is { Count: > 0 } allow ? $" (allowed: {allow})" : ""),
        var status => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } reason ? reason.ToLowerInvariant() : $"HTTP {status}",
    };

    private static async Task WriteAsync(HttpContext ctx, int status, string message)
    {
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsJsonAsync(new ApiError(message.Split('\n')[0].Trim()), FleetJson.Options);
    }
}
