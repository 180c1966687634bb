using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fleet.Integration.Tests;

/// <summary>
/// Fault injection in front of a real device's local API: every request is passed through unchanged, except the
/// <c>POST /v1/render</c> requests that <see cref="FaultOf"/> picks by their ordinal (1, 2, …): refused at once with a 503,
/// or stalled with no answer until the caller gives up, as from a render pipeline that has hung.
/// </summary>
public sealed class RenderFaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase) { "Transfer-Encoding", "Connection", "Keep-Alive", "Host" };
    private readonly WebApplication _app;
    private readonly HttpClient _device;
    private int _renders;

    public string Url { get; }

    public enum Fault { None, Refuse, Stall }

    /// <summary>What happens to the render request with this ordinal.</summary>
    public required Func<int, Fault> FaultOf { get; init; }

    public int RenderRequests => Volatile.Read(ref _renders);

    public RenderFaultProxy(string deviceUrl)
    {
        _device = new HttpClient { BaseAddress = new Uri(deviceUrl), Timeout = Timeout.InfiniteTimeSpan };
        Url = $"http://127.0.0.1:{Ports.Free()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Url);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(PassAsync);
        _app.StartAsync().GetAwaiter().GetResult();
    }

    private async Task PassAsync(HttpContext ctx)
    {
        var aborted = ctx.RequestAborted;
        var fault = ctx.Request.Method == "POST" && ctx.Request.Path == "/v1/render" ? FaultOf(Interlocked.Increment(ref _renders)) : Fault.None;
        if (fault == Fault.Refuse)
        {
            ctx.Response.StatusCode = 503;
            await ctx.Response.WriteAsJsonAsync(new { error = "injected: render refused" }, aborted);
            return;
        }
        if (fault == Fault.Stall)
        {
            try { await Task.Delay(Timeout.Infinite, aborted); } catch (OperationCanceledException) { }
            return;
        }
        using var forward = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), ctx.Request.Path + ctx.Request.QueryString);
        if (ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
            forward.Content = new StreamContent(ctx.Request.Body);
        foreach (var (name, values) in ctx.Request.Headers)
        {
            if (HopByHop.Contains(name)) continue;
            if (!forward.Headers.TryAddWithoutValidation(name, values.ToArray())) forward.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        using var answer = await _device.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, aborted);
        ctx.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            if (!HopByHop.Contains(name)) ctx.Response.Headers[name] = values.ToArray();
        // The browser drops video range requests it no longer needs; that ends the copy, not the test.
        try { await answer.Content.CopyToAsync(ctx.Response.Body, aborted); }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _device.Dispose();
    }
}
