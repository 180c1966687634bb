using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Fleet.Shared.Http;
using Fleet.Shared.Rendering;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tokens;
using Fleet.Shared.Tracing;

namespace Fleet.Edge.Rendering;

/// <summary>What a delegation came to: the MP4 at the output path, or why not (<c>budget</c>, <c>deadline</c>, <c>failed</c> …).</summary>
public sealed record DelegatedRender(bool Ok, string? Reason, string? JobId, string Encoder, string? JobToken = null)
{
    public static DelegatedRender Failed(string reason, string? jobId) => new(false, reason, jobId, "none");
}

/// <summary>
/// The device's side of render delegation, over the cloud API with its device token: ask for the job (copy, voice line,
/// campaign version and height only), wait for it with the signed job token, download the MP4. Never throws for a
/// cloud that says no or is not there; the caller falls back.
/// </summary>
/// <param name="http">
/// A <see cref="FleetHttp.RenderDelegation"/> client (the agent's, from IHttpClientFactory); null: one shared by the
/// process. No automatic trace propagation: it would send whatever span is ambient (or an unexported span of
/// HttpClient's own) as the parent. The job request names the delegation span itself; status polls and downloads carry none.
/// </param>
public sealed class CloudRenderClient(HttpClient? http = null)
{
    private static readonly Lazy<HttpClient> ProcessClient = new(() => FleetHttp.Create(FleetHttp.RenderDelegation));
    private readonly HttpClient _http = http ?? ProcessClient.Value;
    private volatile DeviceCredentials? _credentials;

    /// <summary>The device's API credentials (from registration); null until registered.</summary>
    public DeviceCredentials? Credentials { get => _credentials; set => _credentials = value; }

    public sealed record JobBody(string CampaignId, int? CampaignVersion, int Height, IReadOnlyDictionary<string, string> Fields, string? VoiceLine, bool Base = false);

    private sealed record Ticket(string JobId, string Token);

    private sealed record JobState(string Status, string? Encoder);

    /// <summary>The delegation, as a span of its own when traced: the cloud's scheduling, the worker's render and the result join its trace.</summary>
    public async Task<DelegatedRender> RenderAsync(JobBody body, string outputPath, CancellationToken ct)
    {
        using var span = FleetTraces.Edge.Start("render.delegate", null, ActivityKind.Client)?.SetTag("fleet.campaign_id", body.CampaignId)
            .SetTag("render.height", body.Height).SetTag("render.base", body.Base);
        var result = await DelegateAsync(body, outputPath, span, ct);
        span?.SetTag("render.job_id", result.JobId);
        if (!result.Ok) span?.SetStatus(ActivityStatusCode.Error, result.Reason);
        return result;
    }

    private async Task<DelegatedRender> DelegateAsync(JobBody body, string outputPath, Activity? span, CancellationToken ct)
    {
        if (_credentials is not { } c) return DelegatedRender.Failed("offline", null);
        var api = c.ApiUrl.TrimEnd('/');
        string? jobId = null;
        try
        {
            using var post = Request(HttpMethod.Post, $"{api}/api/v1/renders/jobs", c.Token);
            post.Content = JsonContent.Create(body, options: FleetJson.Options);
            if (span?.Id is { } traceParent) post.Headers.Add("traceparent", traceParent);
            using var answer = await _http.SendAsync(post, ct);
            if (answer.StatusCode == HttpStatusCode.TooManyRequests || answer.StatusCode == HttpStatusCode.Forbidden)
                return DelegatedRender.Failed(await ReasonOf(answer, ct), null);
            if (!answer.IsSuccessStatusCode) return DelegatedRender.Failed($"http-{(int)answer.StatusCode}", null);
            var ticket = (await answer.Content.ReadFromJsonAsync<Ticket>(FleetJson.Options, ct))!;
            jobId = ticket.JobId;
            var poll = TimeSpan.FromMilliseconds(100);
            var waited = Stopwatch.StartNew();
            while (true)
            {
                using var get = Request(HttpMethod.Get, $"{api}/api/v1/renders/jobs/{jobId}", c.Token, ticket.Token);
                using var status = await _http.SendAsync(get, ct);
                if (!status.IsSuccessStatusCode) return DelegatedRender.Failed($"http-{(int)status.StatusCode}", jobId);
                var job = (await status.Content.ReadFromJsonAsync<JobState>(FleetJson.Options, ct))!;
                if (job.Status == "failed") return DelegatedRender.Failed("failed", jobId);
                if (job.Status == "done")
                {
                    await DownloadAsync($"{api}/api/v1/renders/jobs/{jobId}/output", c.Token, ticket.Token, outputPath, ct);
                    return new DelegatedRender(true, null, jobId, job.Encoder ?? "unknown", ticket.Token);
                }
                await Task.Delay(poll, ct);
                if (waited.Elapsed > TimeSpan.FromSeconds(2)) poll = TimeSpan.FromMilliseconds(250);
            }
        }
        catch (OperationCanceledException) { return DelegatedRender.Failed("deadline", jobId); }
        catch (HttpRequestException) { return DelegatedRender.Failed("unreachable", jobId); }
        catch (JsonException) { return DelegatedRender.Failed("bad-answer", jobId); }
        catch (IOException) { return DelegatedRender.Failed("download-failed", jobId); }
    }

    /// <summary>
    /// Hybrid mode: the campaign's base at <paramref name="height"/>, made by a cloud worker, fetched into
    /// <paramref name="folder"/> (every file sha256-checked; <c>prepared.json</c> written last); the prepared template, or why not.
    /// </summary>
    public async Task<(PreparedTemplate? Prepared, string? Reason)> BaseAsync(string campaignId, int version, int height, string folder, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var bundlePath = Path.Combine(folder, "bundle.json");
        var job = await RenderAsync(new JobBody(campaignId, version, height, new Dictionary<string, string>(), null, Base: true), bundlePath, ct);
        if (!job.Ok) return (null, job.Reason);
        try
        {
            var bundle = JsonSerializer.Deserialize<BaseBundle>(await File.ReadAllBytesAsync(bundlePath, ct), FleetJson.Options)
                         ?? throw new JsonException("empty bundle");
            var c = _credentials ?? throw new HttpRequestException("no credentials");
            foreach (var (name, sha) in bundle.Files)
            {
                // Names come from the cloud: plain file names only, never a path out of the folder.
                if (name != Path.GetFileName(name) || name is "." or ".." || name == PreparedTemplate.DescriptorFile) return (null, "bad-bundle");
                var path = Path.Combine(folder, name);
                await DownloadAsync($"{c.ApiUrl.TrimEnd('/')}/api/v1/renders/jobs/{job.JobId}/files/{sha}", c.Token, job.JobToken!, path, ct);
                await using var file = File.OpenRead(path);
                if (Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file, ct)) != sha) return (null, "sha-mismatch");
            }
            await File.WriteAllTextAsync(Path.Combine(folder, PreparedTemplate.DescriptorFile), bundle.Descriptor, ct);
            return TemplatePreparer.TryLoad(folder) is { } prepared ? (prepared, null) : (null, "bad-bundle");
        }
        catch (OperationCanceledException) { return (null, "deadline"); }
        catch (HttpRequestException) { return (null, "unreachable"); }
        catch (JsonException) { return (null, "bad-bundle"); }
        catch (IOException) { return (null, "download-failed"); }
    }

    private async Task DownloadAsync(string url, string deviceToken, string jobToken, string outputPath, CancellationToken ct)
    {
        using var get = Request(HttpMethod.Get, url, deviceToken, jobToken);
        using var answer = await _http.SendAsync(get, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!answer.IsSuccessStatusCode) throw new IOException($"download answered {(int)answer.StatusCode}");
        var full = Path.GetFullPath(outputPath);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var file = File.Create(temp)) await answer.Content.CopyToAsync(file, ct);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string url, string deviceToken, string? jobToken = null)
    {
        var r = new HttpRequestMessage(method, url);
        r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", deviceToken);
        if (jobToken is not null) r.Headers.Add("Fleet-Job-Token", jobToken);
        return r;
    }

    private static async Task<string> ReasonOf(HttpResponseMessage answer, CancellationToken ct)
    {
        try
        {
            var doc = await answer.Content.ReadFromJsonAsync<JsonElement>(FleetJson.Options, ct);
            return doc.TryGetProperty("reason", out var r) && r.GetString() is { Length: > 0 } reason ? reason : $"http-{(int)answer.StatusCode}";
        }
        catch (JsonException) { return $"http-{(int)answer.StatusCode}"; }
    }
}
