using Fleet.Shared.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Fleet.Shared.Http;

/// <summary>
/// One kind of outbound HTTP call: its client name, the whole-request timeout (<see cref="HttpClient.Timeout"/>, retries
/// included), an optional timeout per attempt (to the response headers, so long bodies are not cut) and whether Fleet's
/// trace context is propagated automatically.
/// </summary>
public sealed record FleetHttpClient(string Name, TimeSpan Timeout, TimeSpan? AttemptTimeout = null, bool PropagateTraces = true)
{
    /// <summary>The connection pool under the pipeline; connections are renewed so a held client sees DNS changes.</summary>
    public SocketsHttpHandler NewPrimaryHandler()
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) };
        if (!PropagateTraces) handler.ActivityHeadersPropagator = null;
        return handler;
    }
}

/// <summary>
/// Every HTTP client Fleet makes, and the one pipeline they share: idempotent requests (GET, HEAD, OPTIONS) that fail
/// transiently (connection errors, 408, 429, 5xx, an attempt timeout) are tried again after <see cref="RetryBackoff"/>
/// (or the server's Retry-After when it is no longer than the backoff's maximum); POST, PUT, PATCH and DELETE are sent
/// once, as before, because a second send could do the work twice. Hosts with dependency injection register the clients
/// with <see cref="AddFleetHttpClient"/> (IHttpClientFactory); the short-lived CLI processes use <see cref="Create"/>.
/// </summary>
public static class FleetHttp
{
    /// <summary>The operator CLI's <c>--api</c> calls (uploads raise the timeout per client).</summary>
    public static readonly FleetHttpClient CloudApi = new("fleet-cloud-api", TimeSpan.FromSeconds(15));

    /// <summary><c>fleet-edge enroll</c>: the CA fetch (retried) and the one-time code redemption (sent once).</summary>
    public static readonly FleetHttpClient Enrolment = new("fleet-enrolment", TimeSpan.FromSeconds(15));

    /// <summary><c>fleet-edge render --agent</c>: one POST to a device's local API, which may render for up to two minutes.</summary>
    public static readonly FleetHttpClient DeviceApi = new("fleet-device-api", TimeSpan.FromSeconds(120));

    /// <summary>A device's manifest, asset, model and prior downloads from the cloud API (all GETs).</summary>
    public static readonly FleetHttpClient CloudDownloads = new("fleet-cloud-downloads", TimeSpan.FromSeconds(30), AttemptTimeout: TimeSpan.FromSeconds(10));

    /// <summary>
    /// Render delegation to the cloud: bounded by the render's own deadline, not a client timeout. No automatic trace
    /// propagation: the job request names the delegation span itself (see CloudRenderClient).
    /// </summary>
    public static readonly FleetHttpClient RenderDelegation = new("fleet-render-delegation", System.Threading.Timeout.InfiniteTimeSpan, PropagateTraces: false);

    /// <summary>Retries after a transient failure: 0.5 s, then 1 s (±20 %).</summary>
    public static readonly Backoff RetryBackoff = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5), Jitter: 0.2);

    public const int MaxRetries = 2;

    /// <summary>Registers <paramref name="client"/> as a named client of IHttpClientFactory with Fleet's pipeline.</summary>
    public static IHttpClientBuilder AddFleetHttpClient(this IServiceCollection services, FleetHttpClient client)
    {
        var builder = services.AddHttpClient(client.Name, http => http.Timeout = client.Timeout)
            .ConfigurePrimaryHttpMessageHandler(client.NewPrimaryHandler)
            // Actors hold their client for the node's life: the primary handler renews its own connections instead.
            .SetHandlerLifetime(System.Threading.Timeout.InfiniteTimeSpan)
            // A device polls every few hundred milliseconds while it delegates; a log line per request would drown the agent's log.
            .RemoveAllLoggers();
        builder.AddResilienceHandler("standard", pipeline => pipeline.AddFleetPipeline(client));
        return builder;
    }

    /// <summary>
    /// A client with the same pipeline for a process without dependency injection (a CLI verb); <paramref name="primary"/>
    /// replaces the default connection handler, e.g. one that pins the fleet CA. The caller disposes the client.
    /// </summary>
    public static HttpClient Create(FleetHttpClient client, HttpMessageHandler? primary = null)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddFleetPipeline(client).Build();
        return new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = primary ?? client.NewPrimaryHandler() }) { Timeout = client.Timeout };
    }

    /// <summary>Retry (idempotent methods only) around an optional per-attempt timeout.</summary>
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddFleetPipeline(this ResiliencePipelineBuilder<HttpResponseMessage> pipeline, FleetHttpClient client)
    {
        var retry = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = MaxRetries,
            // A server that asks for a longer pause than the backoff allows gets its answer passed on, not a long wait.
            ShouldHandle = args => ValueTask.FromResult(HttpClientResiliencePredicates.IsTransient(args.Outcome)
                                                        && !(RetryAfter(args.Outcome.Result) > RetryBackoff.Max)),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryAfter(args.Outcome.Result) ?? RetryBackoff.Delay(args.AttemptNumber + 1)),
        };
        retry.DisableForUnsafeHttpMethods();
        pipeline.AddRetry(retry);
        if (client.AttemptTimeout is { } attempt) pipeline.AddTimeout(attempt);
        return pipeline;
    }

    /// <summary>The pause a 429 or 503 asks for (Retry-After as seconds or a date), if any.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage? response) => response?.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>Whether <paramref name="e"/> is a failed attempt (connection, timeout) rather than a bug or a cancellation.</summary>
    public static bool IsTransportFailure(Exception e) =>
        e is HttpRequestException or IOException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException;
}
