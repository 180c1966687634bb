using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Fleet.Cloud.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Integration.Tests;

/// <summary>Raw HTTP against a cloud under test, so tests see status codes and bodies exactly as clients do.</summary>
public static class ApiCalls
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };

    public sealed record Answer(HttpStatusCode Status, string Body, string? ContentType)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
        public string? Error => Json.TryGetProperty("error", out var e) ? e.GetString() : null;
        public T As<T>() => JsonSerializer.Deserialize<T>(Body, FleetJson.Options)!;

        /// <summary>Status and body as sent: a timeout message must print any answer, whatever its JSON shape.</summary>
        public override string ToString() => $"{(int)Status} {(Body.Length > 2000 ? Body[..2000] + "…" : Body)}";
    }

    public static async Task<Answer> SendAsync(string baseUrl, HttpMethod method, string path, string? token, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, baseUrl.TrimEnd('/') + path) { Content = content };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    public static Task<Answer> GetAsync(this CloudUnderTest cloud, string path, string? token = CloudUnderTest.AdminTokenValue) =>
        SendAsync(cloud.Options.HttpUrl, HttpMethod.Get, path, token);

    public static Task<Answer> PostJsonAsync(this CloudUnderTest cloud, string path, object body, string? token = CloudUnderTest.AdminTokenValue) =>
        SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, path, token,
            new StringContent(JsonSerializer.Serialize(body, FleetJson.Options), Encoding.UTF8, "application/json"));

    public static Task<Answer> PublishAsync(this CloudUnderTest cloud, string dir, string? token = CloudUnderTest.AdminTokenValue) =>
        SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, "/api/v1/campaigns", token, CampaignFolder.Multipart(dir));

    /// <summary>Creates a token through the API and returns its secret.</summary>
    public static async Task<string> TokenAsync(this CloudUnderTest cloud, string role, string? deviceId = null)
    {
        var a = await cloud.PostJsonAsync("/api/v1/tokens", new { role, device_id = deviceId, name = "test" });
        Assert.True(a.Status == HttpStatusCode.Created, a.Body);
        return a.Json.GetProperty("token").GetString()!;
    }
}
