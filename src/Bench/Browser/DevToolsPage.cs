using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Fleet.Bench.Browser;

/// <summary>
/// The one page of a <see cref="HeadlessChromium"/> opened with devTools, driven over the Chrome DevTools Protocol:
/// evaluate a script in the page and get its JSON value back, so a test (or a benchmark) types, clicks and reads the DOM as a person would.
/// </summary>
public sealed class DevToolsPage : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private int _nextId;

    private DevToolsPage(ClientWebSocket socket) => _socket = socket;

    /// <summary>Connects to the page of the Chromium whose profile is <paramref name="profileDir"/>, waiting up to <paramref name="within"/> for it.</summary>
    public static async Task<DevToolsPage> ConnectAsync(string profileDir, TimeSpan within)
    {
        var portFile = Path.Combine(profileDir, "DevToolsActivePort");
        var deadline = DateTime.UtcNow + within;
        var port = await PollAsync(() => Task.FromResult(File.Exists(portFile) ? File.ReadAllLines(portFile).FirstOrDefault() ?? "" : ""), deadline, "Chromium's DevToolsActivePort");
        using var http = new HttpClient { Timeout = within };
        var page = await PollAsync(async () =>
            (JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray())
            .FirstOrDefault(t => (string?)t!["type"] == "page")?["webSocketDebuggerUrl"]?.GetValue<string>() ?? "", deadline, "a page target");
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(page), CancellationToken.None);
        return new DevToolsPage(socket);
    }

    /// <summary>Asks until the answer is not empty (Chromium writes its port file and opens its page a moment after it starts).</summary>
    private static async Task<string> PollAsync(Func<Task<string>> ask, DateTime deadline, string what)
    {
        while (true)
        {
            try { if (await ask() is { Length: > 0 } answer) return answer; }
            catch (HttpRequestException) { } // DevTools not listening yet
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not appear in time");
            await Task.Delay(100);
        }
    }

    /// <summary>Evaluates <paramref name="expression"/> (a promise is awaited) and returns its value as JSON text; a thrown error throws here.</summary>
    public async Task<string> EvaluateAsync(string expression)
    {
        var result = await CallAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        if (result["exceptionDetails"] is { } error) throw new InvalidOperationException($"the page threw: {error.ToJsonString()}");
        return result["result"]?["value"]?.ToJsonString() ?? "null";
    }

    /// <summary>Saves what the page shows now as a PNG at <paramref name="path"/> (a test artifact a person can look at).</summary>
    public async Task ScreenshotAsync(string path)
    {
        var result = await CallAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(result["data"]!.GetValue<string>()));
    }

    /// <summary>One DevTools command (e.g. <c>Page.navigate</c>) and its result; a protocol error throws.</summary>
    public async Task<JsonNode> CallAsync(string method, JsonObject parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var request = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        while (true)
        {
            var reply = JsonNode.Parse(await ReceiveAsync())!;
            if ((int?)reply["id"] != id) continue; // an event, or the answer to an earlier call
            if (reply["error"] is { } failed) throw new InvalidOperationException($"{method} failed: {failed.ToJsonString()}");
            return reply["result"] ?? new JsonObject();
        }
    }

    /// <summary>A string the page computes, e.g. an element's text (empty when it is not there yet).</summary>
    public async Task<string> TextAsync(string expression) =>
        JsonNode.Parse(await EvaluateAsync($"String(({expression}) ?? '')"))!.GetValue<string>();

    private async Task<string> ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
            message.Write(buffer, 0, result.Count);
        } while (!result.EndOfMessage);
        return Encoding.UTF8.GetString(message.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
            try { await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None); } catch (WebSocketException) { }
        _socket.Dispose();
    }
}
