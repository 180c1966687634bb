using Fleet.Edge.Hosting;
using Fleet.Shared.Cluster;

namespace Fleet.Integration.Tests;

/// <summary>A device agent (join loop, link, registration) running inside the test process.</summary>
public sealed class EdgeUnderTest : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private EdgeUnderTest(EdgeOptions options)
    {
        Options = options;
        Run = Task.Run(() => EdgeAgent.RunAsync(options, Array.Empty<string>(), _stop.Token));
    }

    public EdgeOptions Options { get; }

    /// <summary>Exit code of the agent, or the exception it ended with.</summary>
    public Task<int> Run { get; }

    public static EdgeUnderTest Start(EdgeOptions options) => new(options);

    public static EdgeUnderTest Start(string seed, string dataDir, string? deviceId = null, string tags = "", IReadOnlyList<string>? seeds = null,
        int http = 0, Fleet.Edge.Telemetry.TelemetrySettings? telemetry = null, Fleet.Shared.Tracing.TraceSettings? traces = null) =>
        new(new EdgeOptions
        {
            Seeds = new[] { seed }.Concat(seeds ?? Array.Empty<string>()).Select(SeedAddress.Parse).ToList(),
            DeviceId = deviceId,
            DataDir = dataDir,
            Tags = Fleet.Shared.Cli.TagText.Parse(tags),
            InsecureDev = true,
            HttpPort = http,
            Telemetry = telemetry ?? new Fleet.Edge.Telemetry.TelemetrySettings(),
            Traces = traces ?? new Fleet.Shared.Tracing.TraceSettings(),
        });

    /// <summary>
    /// An enrolled device (see <see cref="CloudUnderTest.EnrolAsync"/>): it connects with the certificate stored under
    /// <paramref name="dataDir"/> to the gateways of its bundle, or to <paramref name="gateways"/> when given.
    /// </summary>
    public static EdgeUnderTest StartEnrolled(string dataDir, IReadOnlyList<string>? gateways = null, int http = 0,
        Fleet.Edge.Telemetry.TelemetrySettings? telemetry = null, Fleet.Shared.Tracing.TraceSettings? traces = null) =>
        new(new EdgeOptions
        {
            Seeds = Array.Empty<SeedAddress>(),
            Gateways = (gateways ?? Array.Empty<string>()).Select(SeedAddress.Parse).ToList(),
            DataDir = dataDir,
            HttpPort = http,
            Telemetry = telemetry ?? new Fleet.Edge.Telemetry.TelemetrySettings(),
            Traces = traces ?? new Fleet.Shared.Tracing.TraceSettings(),
        });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await Run.WaitAsync(TimeSpan.FromSeconds(20)); } catch (Exception) { /* the test asserts on Run itself */ }
        _stop.Dispose();
    }
}
