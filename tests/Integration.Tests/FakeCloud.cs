using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fleet.Integration.Tests;

/// <summary>
/// A real HTTP server that plays the cloud's manifest and asset endpoints with whatever bytes a test puts in, and can
/// go down or cut a download half-way, so the device's handling of tampered content and outages is tested for real.
/// </summary>
public sealed class FakeCloud : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _bytesServed;

    public ConcurrentDictionary<string, byte[]> Manifests { get; } = new();
    public ConcurrentDictionary<string, byte[]> Assets { get; } = new();
    public ConcurrentQueue<string> Ranges { get; } = new();
    public ConcurrentQueue<string?> Tokens { get; } = new();
    public volatile bool Down;
    /// <summary>The next request for this sha256 gets half its bytes, then the connection drops.</summary>
    public volatile string? CutNext;

    public string Url { get; }
    public long BytesServed => Interlocked.Read(ref _bytesServed);

    public FakeCloud()
    {
        Url = $"http://127.0.0.1:{Ports.Free()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Url);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/api/v1/campaigns/{id}/versions/{v:int}/manifest", async (string id, int v, HttpContext ctx) =>
        {
            Tokens.Enqueue(ctx.Request.Headers.Authorization.ToString());
            if (Down) { ctx.Abort(); return; }
            if (!Manifests.TryGetValue($"{id}/{v}", out var bytes)) { ctx.Response.StatusCode = 404; return; }
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(bytes);
        });
        _app.MapGet("/api/v1/assets/{sha}", async (string sha, HttpContext ctx) =>
        {
            if (Down) { ctx.Abort(); return; }
            if (!Assets.TryGetValue(sha, out var bytes)) { ctx.Response.StatusCode = 404; return; }
            long from = 0;
            if (ctx.Request.Headers.Range.ToString() is { Length: > 0 } range)
            {
                Ranges.Enqueue(range);
                from = long.Parse(range["bytes=".Length..].TrimEnd('-'));
                ctx.Response.StatusCode = 206;
                ctx.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
            }
            ctx.Response.ContentLength = bytes.Length - from;
            if (CutNext == sha)
            {
                CutNext = null;
                var half = (int)(bytes.Length - from) / 2;
                await ctx.Response.Body.WriteAsync(bytes.AsMemory((int)from, half));
                await ctx.Response.Body.FlushAsync();
                Interlocked.Add(ref _bytesServed, half);
                Down = true; // the cloud goes away mid-download
                ctx.Abort();
                return;
            }
            await ctx.Response.Body.WriteAsync(bytes.AsMemory((int)from));
            Interlocked.Add(ref _bytesServed, bytes.Length - from);
        });
        _app.StartAsync().GetAwaiter().GetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
