using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Fleet.Edge.Hosting;
using Fleet.Edge.Identity;
using Fleet.TestSupport;

namespace Fleet.Edge.Node.Tests.Hosting;

/// <summary>
/// The device's local API as a service, on a real node in this process (no cloud: a development device with no seeds):
/// every error is JSON, non-JSON bodies are 415, CORS by option, readiness, and the render limit's 429.
/// </summary>
public sealed class LocalApiTests(SampleCampaignFixture sample) : IClassFixture<SampleCampaignFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private async Task<EdgeNode> StartAsync(Func<EdgeOptions, EdgeOptions>? edit = null)
    {
        var data = sample.NewDir("device");
        var o = new EdgeOptions { Seeds = [], DataDir = data, HttpPort = 0 };
        o = edit?.Invoke(o) ?? o;
        var facts = DeviceFactsProbe.Collect(DeviceIdentity.LoadOrCreate(data, "api-test"), o.Tags, []);
        return await EdgeNode.StartAsync(o, facts, new ViaMembership([], null), CancellationToken.None);
    }

    private static async Task<(HttpStatusCode Status, string Error, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.TryGetProperty("error", out var e) ? e.GetString() ?? "" : "", response);
    }

    private static HttpRequestMessage Post(string url, string body, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
    }

    [Fact]
    public async Task Every_error_status_answers_the_one_json_error_shape()
    {
        await using var node = await StartAsync();
        var api = node.LocalApiUrl;
        var cases = new (HttpRequestMessage Request, HttpStatusCode Status, string Says)[]
        {
            (Post($"{api}/v1/render", "{}", "text/plain"), HttpStatusCode.UnsupportedMediaType, "application/json"),
            (Post($"{api}/v1/render", "{}", null), HttpStatusCode.UnsupportedMediaType, "none"),
            (Post($"{api}/v1/events", "{}", "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType, "application/json"),
            (Post($"{api}/v1/render", "{\"campaign_id\": ", "application/json"), HttpStatusCode.BadRequest, "not JSON"),
            (Post($"{api}/v1/render", "{\"context\": \"" + new string('x', (int)LocalApi.MaxBodyBytes) + "\"}", "application/json"), HttpStatusCode.RequestEntityTooLarge, "large"),
            (new HttpRequestMessage(HttpMethod.Get, $"{api}/no/such/thing"), HttpStatusCode.NotFound, "/no/such/thing"),
            (new HttpRequestMessage(HttpMethod.Get, $"{api}/v1/render"), HttpStatusCode.MethodNotAllowed, "GET"),
            (new HttpRequestMessage(HttpMethod.Get, $"{api}/v1/renders/nope.mp4"), HttpStatusCode.NotFound, "nope.mp4"),
            (Post($"{api}/v1/render", "{}", "application/json"), HttpStatusCode.NotFound, "no campaign"),
        };
        foreach (var (request, status, says) in cases)
        {
            var what = $"{request.Method} {request.RequestUri!.PathAndQuery[..Math.Min(40, request.RequestUri.PathAndQuery.Length)]}";
            var (got, error, _) = await SendAsync(request);
            Assert.True(status == got, $"{what}: expected {status}, got {got} ({error})");
            Assert.Contains(says, error, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Readiness_waits_for_a_campaign_and_the_model_while_liveness_does_not()
    {
        await using (var empty = await StartAsync())
        {
            Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"{empty.LocalApiUrl}/healthz")).StatusCode);
            var (status, error, _) = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"{empty.LocalApiUrl}/readyz"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("no campaign", error);
        }
        await using var ready = await StartAsync(o => o with { CampaignDir = sample.CampaignDir });
        // The model loads on first use; until then the answer is a 503 that says so.
        JsonElement answer = default;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var response = await Http.GetAsync($"{ready.LocalApiUrl}/readyz");
            answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            if (response.StatusCode == HttpStatusCode.OK) break;
            Assert.Contains("still loading", answer.GetProperty("error").GetString());
            await Task.Delay(500);
        }
        Assert.Equal("ready", answer.GetProperty("status").GetString());
        Assert.Equal(sample.Campaign.Spec.Id, answer.GetProperty("campaign").GetString());
    }

    [Fact]
    public async Task Renders_beyond_the_limit_are_answered_429_with_retry_after()
    {
        await using var node = await StartAsync(o => o with { MaxConcurrentRenders = 1 });
        var url = $"{node.LocalApiUrl}/v1/render";
        using (var held = node.RenderGate.TryEnter())
        {
            Assert.NotNull(held);
            var (status, error, response) = await SendAsync(Post(url, "{}", "application/json"));
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Contains("max-concurrent-renders", error);
            Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "Retry-After in seconds");
        }
        // The slot is back: the request goes on (to the 404 of a device with no campaign).
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Post(url, "{}", "application/json"))).Status);
    }

    [Fact]
    public async Task Cors_lets_only_the_configured_origins_call_and_answers_their_preflight()
    {
        const string player = "http://player.test:8080";
        await using var node = await StartAsync(o => o with { CorsOrigins = [player] });
        await using var closed = await StartAsync();

        HttpRequestMessage Preflight(string api, string origin)
        {
            var r = new HttpRequestMessage(HttpMethod.Options, $"{api}/v1/render");
            r.Headers.Add("Origin", origin);
            r.Headers.Add("Access-Control-Request-Method", "POST");
            r.Headers.Add("Access-Control-Request-Headers", "content-type");
            return r;
        }
        static string? AllowedOrigin(HttpResponseMessage r) => r.Headers.TryGetValues("Access-Control-Allow-Origin", out var v) ? v.Single() : null;

        var allowed = await Http.SendAsync(Preflight(node.LocalApiUrl, player));
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(player, AllowedOrigin(allowed));
        Assert.Contains("POST", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Null(AllowedOrigin(await Http.SendAsync(Preflight(node.LocalApiUrl, "http://elsewhere.test"))));
        Assert.Null(AllowedOrigin(await Http.SendAsync(Preflight(closed.LocalApiUrl, player))));

        var get = new HttpRequestMessage(HttpMethod.Get, $"{node.LocalApiUrl}/healthz");
        get.Headers.Add("Origin", player);
        Assert.Equal(player, AllowedOrigin(await Http.SendAsync(get)));
    }
}
