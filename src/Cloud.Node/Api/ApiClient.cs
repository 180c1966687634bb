using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Api;

/// <summary>The operator CLI's way into the cloud: <c>--api</c>, a bearer token, Fleet JSON, one-line errors.</summary>
public sealed class ApiClient : IDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private readonly HttpClient _http;

    /// <param name="fleetCa">For an HTTPS API: the fleet CA that issued its certificate (the system store is not consulted).</param>
    public ApiClient(string baseUrl, string? token, System.Security.Cryptography.X509Certificates.X509Certificate2? fleetCa = null)
    {
        BaseUrl = baseUrl.TrimEnd('/');
        var handler = new HttpClientHandler();
        if (fleetCa is not null)
        {
            var trust = new Fleet.Shared.Security.Pki.FleetTrust(fleetCa);
            handler.ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && trust.Check(cert) is null;
        }
        _http = FleetHttp.Create(FleetHttp.CloudApi, handler);
        _http.BaseAddress = new Uri(BaseUrl + "/");
        if (token is not null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public string BaseUrl { get; }

    /// <summary>From <c>--api</c> (or FLEET_API), and <c>--token</c>, FLEET_TOKEN or <c>&lt;--data&gt;/admin.token</c> (<see cref="Cli.ApiFlags"/>).</summary>
    public static ApiClient From(System.CommandLine.ParseResult r)
    {
        var url = r.GetValue(Cli.ApiFlags.Api) ?? Environment.GetEnvironmentVariable("FLEET_API") ?? DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out _)) throw new UsageException($"--api '{url}' is not a URL");
        var data = Path.GetFullPath(r.GetValue(Cli.ApiFlags.Data)!);
        var caPath = Path.Combine(data, "ca", Fleet.Shared.Security.Pki.FleetCa.CertFile);
        var ca = File.Exists(caPath) ? System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(caPath)) : null;
        return new ApiClient(url, AdminToken.ForClient(r.GetValue(Cli.ApiFlags.Token), data), ca);
    }

    public Task<T> GetAsync<T>(string path, CancellationToken ct = default) => SendAsync<T>(HttpMethod.Get, path, null, ct);

    public Task<T> PostAsync<T>(string path, object body, CancellationToken ct = default) =>
        SendAsync<T>(HttpMethod.Post, path, JsonContent(body), ct);

    public Task<T> PostContentAsync<T>(string path, HttpContent? content, CancellationToken ct = default) => SendAsync<T>(HttpMethod.Post, path, content, ct);

    public Task<T> DeleteAsync<T>(string path, CancellationToken ct = default) => SendAsync<T>(HttpMethod.Delete, path, null, ct);

    /// <summary>Uploads may take longer than the default timeout; this one applies to the whole request.</summary>
    public TimeSpan Timeout { get => _http.Timeout; set => _http.Timeout = value; }

    public static HttpContent JsonContent(object body) =>
        new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, FleetJson.Options)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

    public async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken ct = default)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = content };
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new FleetException($"cannot reach the API at {BaseUrl}: {e.Message}");
        }
        catch (TaskCanceledException)
        {
            throw new FleetException($"the API at {BaseUrl} did not answer within {_http.Timeout.TotalSeconds:0}s");
        }
        using (response)
        {
            var answer = await response.Content.ReadAsByteArrayAsync(ct);
            if (!response.IsSuccessStatusCode) throw new FleetException(ErrorOf(response.StatusCode, answer));
            return JsonSerializer.Deserialize<T>(answer, FleetJson.Options) ?? throw new FleetException($"empty answer from {path}");
        }
    }

    private static string ErrorOf(HttpStatusCode status, byte[] body)
    {
        string? message = null;
        try { message = JsonSerializer.Deserialize<ApiError>(body, FleetJson.Options)?.Error; } catch (JsonException) { }
        var hint = status == HttpStatusCode.Unauthorized ? " (pass --token, set FLEET_TOKEN, or run where <data>/admin.token is)" : "";
        return $"{(int)status} {status}: {message ?? "no error message"}{hint}";
    }

    public void Dispose() => _http.Dispose();
}
