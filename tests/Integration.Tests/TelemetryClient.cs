using System.Net.Http.Json;
using Fleet.Cloud.Api;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Integration.Tests;

/// <summary>Drives a device's local API (renders, impressions) and reads the cloud's telemetry totals.</summary>
public static class TelemetryClient
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Posts renders one by one; each counts as performed only once the device confirmed it stored it.</summary>
    public static async Task<int> PostRendersAsync(int edgeHttp, int count, int offset = 0, string? userHash = null)
    {
        for (var i = 0; i < count; i++)
        {
            var e = SyntheticTelemetry.Render(offset + i, userHash: userHash);
            using var r = await Http.PostAsJsonAsync($"http://127.0.0.1:{edgeHttp}/v1/renders", e, FleetJson.Options);
            if ((int)r.StatusCode != 202) throw new InvalidOperationException($"render {i}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
        return count;
    }

    public static async Task<HttpResponseMessage> PostEventAsync(int edgeHttp, object body) =>
        await Http.PostAsJsonAsync($"http://127.0.0.1:{edgeHttp}/v1/events", body, FleetJson.Options);

    public static Task<TelemetryReport> ReportAsync(ApiClient api, string query = "since=1d") =>
        api.GetAsync<TelemetryReport>("api/v1/telemetry?" + query);

    public static async Task<long> RendersAsync(ApiClient api, string query = "since=1d") =>
        (await ReportAsync(api, query)).Campaigns.Sum(c => c.Renders);

    /// <summary>Waits for the cloud total to reach <paramref name="expected"/>, then checks it stays there (no late double count).</summary>
    public static async Task ExactlyAsync(ApiClient api, long expected, TimeSpan timeout, string query = "since=1d")
    {
        await Eventually.Until(() => RendersAsync(api, query), n => n >= expected, timeout, $"cloud total of {expected} renders");
        // A deliberate quiet period: callers know only the cloud API, which has no signal that the last retry of a batch is over.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(expected, await RendersAsync(api, query));
    }
}
