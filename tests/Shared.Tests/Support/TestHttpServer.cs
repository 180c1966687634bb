using System.Net;
using System.Net.Sockets;

namespace Fleet.Shared.Tests.Support;

/// <summary>A real HTTP server on 127.0.0.1 and a free port; the test decides how each request is answered.</summary>
public sealed class TestHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<TestHttpServer, HttpListenerContext, int, Task> _handler;
    private readonly Task _loop;
    private int _requests;
    private long _bytesServed;

    /// <param name="handler">Answers request number n (1-based).</param>
    public TestHttpServer(Func<TestHttpServer, HttpListenerContext, int, Task> handler)
    {
        _handler = handler;
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    public int Requests => Volatile.Read(ref _requests);

    public long BytesServed => Interlocked.Read(ref _bytesServed);

    public List<string?> RangeHeaders { get; } = new();

    public List<string?> AuthorizationHeaders { get; } = new();

    /// <summary>Writes body bytes and counts them, so tests can prove a resume did not download everything again.</summary>
    public async Task WriteAsync(HttpListenerResponse response, ReadOnlyMemory<byte> bytes)
    {
        await response.OutputStream.WriteAsync(bytes);
        await response.OutputStream.FlushAsync();
        Interlocked.Add(ref _bytesServed, bytes.Length);
    }

    /// <summary>Answers a request honouring a <c>Range: bytes=N-</c> header with 206, like a CDN would.</summary>
    public async Task ServeRangeAsync(HttpListenerContext ctx, byte[] content, long? dropAfter = null)
    {
        long from = 0;
        var range = ctx.Request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            from = long.Parse(range["bytes=".Length..].TrimEnd('-'));
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers["Content-Range"] = $"bytes {from}-{content.Length - 1}/{content.Length}";
        }
        await ServeAsync(ctx, content.AsMemory((int)from), dropAfter);
    }

    /// <summary>Sends <paramref name="body"/>; with <paramref name="dropAfter"/> the connection is cut after that many bytes.</summary>
    public async Task ServeAsync(HttpListenerContext ctx, ReadOnlyMemory<byte> body, long? dropAfter = null)
    {
        ctx.Response.ContentLength64 = body.Length;
        if (dropAfter is { } cut)
        {
            await WriteAsync(ctx.Response, body[..(int)cut]);
            ctx.Response.Abort();
            return;
        }
        await WriteAsync(ctx.Response, body);
        ctx.Response.Close();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            var n = Interlocked.Increment(ref _requests);
            lock (RangeHeaders)
            {
                RangeHeaders.Add(ctx.Request.Headers["Range"]);
                AuthorizationHeaders.Add(ctx.Request.Headers["Authorization"]);
            }
            _ = Task.Run(async () =>
            {
                try { await _handler(this, ctx, n); }
                catch (Exception) { try { ctx.Response.Abort(); } catch (Exception) { } }
            });
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
