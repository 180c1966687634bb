using System.Text.Json;
using Akka.Actor;
using Fleet.Cloud.Api;
using Microsoft.AspNetCore.Http;

namespace Fleet.Cloud.Node.Tests.Api;

public sealed class NotAnsweredMiddlewareTests
{
    [Fact]
    public async Task An_ask_timeout_becomes_a_503_with_one_line_and_retry_after()
    {
        var ctx = Context();
        await ApiResults.NotAnsweredMiddleware(ctx, _ => throw new AskTimeoutException("Timeout after 10.00 seconds"));
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, ctx.Response.StatusCode);
        Assert.Equal("2", ctx.Response.Headers.RetryAfter.ToString());
        Assert.Equal(ApiResults.NotAnswered, Body(ctx).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Answers_and_other_failures_pass_through_untouched()
    {
        var ctx = Context();
        await ApiResults.NotAnsweredMiddleware(ctx, c => { c.Response.StatusCode = StatusCodes.Status201Created; return Task.CompletedTask; });
        Assert.Equal(StatusCodes.Status201Created, ctx.Response.StatusCode);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ApiResults.NotAnsweredMiddleware(Context(), _ => throw new InvalidOperationException("bug")));
    }

    private static DefaultHttpContext Context() => new() { Response = { Body = new MemoryStream() } };

    private static JsonElement Body(HttpContext ctx)
    {
        ctx.Response.Body.Position = 0;
        return JsonDocument.Parse(ctx.Response.Body).RootElement;
    }
}
