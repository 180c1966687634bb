using Fleet.Cloud.Api;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Integration.Tests;

/// <summary>A real cloud node (cluster, registry, API) inside the test process, on free loopback ports.</summary>
public sealed class CloudUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CloudUnderTest(WebApplication app, CloudOptions options, ApiClient api)
    {
        _app = app;
        Options = options;
        Api = api;
    }

    public const string AdminTokenValue = "test-admin-token";

    public CloudOptions Options { get; }
    public Akka.Actor.ActorSystem System => _app.Services.GetRequiredService<Akka.Actor.ActorSystem>();
    public ApiClient Api { get; }
    public IServiceProvider Services => _app.Services;
    public string Seed => $"akka.tcp://fleet@127.0.0.1:{Options.Port}";

    /// <param name="secure">Mutual TLS with the fleet CA under <c>&lt;data&gt;/ca</c> (created if missing); otherwise --insecure-dev.</param>
    public static async Task<CloudUnderTest> StartAsync(DbTarget db, string dataDir, int? port = null, int? http = null, IReadOnlyList<string>? seeds = null,
        bool secure = false, Func<CloudOptions, CloudOptions>? configure = null)
    {
        if (secure && !File.Exists(CloudOptions.DefaultCaKeyPath(dataDir))) Fleet.Shared.Security.Pki.FleetCa.Create(CloudOptions.DefaultCaKeyPath(dataDir)).Dispose();
        var options = new CloudOptions
        {
            InsecureDev = !secure,
            // A secure node also runs a gateway: enrolled devices reach the fleet only through one.
            Roles = secure ? new[] { FleetCluster.ControlRole, FleetCluster.RenderRole, FleetCluster.GatewayRole } : new[] { FleetCluster.ControlRole, FleetCluster.RenderRole },
            GatewayPort = Ports.Free(),
            Port = port ?? Ports.Free(),
            HttpUrl = $"http://127.0.0.1:{http ?? Ports.Free()}",
            DataDir = dataDir,
            Db = db,
            AdminToken = AdminTokenValue,
            Seeds = (seeds ?? Array.Empty<string>()).Select(Fleet.Shared.Cluster.SeedAddress.Parse).ToList(),
        };
        if (configure is not null) options = configure(options);
        await db.EnsureReachableAsync();
        var app = CloudHost.Build(options);
        await app.StartAsync();
        return new CloudUnderTest(app, options, new ApiClient(options.HttpUrl, AdminTokenValue));
    }

    /// <summary>This node's device gateway (secure nodes only).</summary>
    public string Gateway => $"127.0.0.1:{Options.GatewayPort}";

    /// <summary>
    /// Enrols <paramref name="deviceId"/> with <paramref name="tags"/> as an operator would (a bundle from the API, so the
    /// registry keeps its enrolment record) and installs it under <paramref name="dataDir"/> as <c>fleet-edge enroll</c> would.
    /// </summary>
    public async Task<string> EnrolAsync(string deviceId, string dataDir, IReadOnlyDictionary<string, string>? tags = null)
    {
        var bundle = await Api.PostAsync<EnrolmentBundle>("api/v1/enrolments",
            new Fleet.Cloud.Enrolment.EnrolRequest(deviceId, tags ?? new Dictionary<string, string>(), false, null, null, null));
        Fleet.Edge.Identity.EnrolmentStore.Save(dataDir, bundle with { PrivateKeyPem = null }, bundle.PrivateKeyPem!);
        return dataDir;
    }

    public Task<List<DeviceReplies.DeviceView>> DevicesAsync() => Api.GetAsync<List<DeviceReplies.DeviceView>>("api/v1/devices");

    public Task<List<DeviceReplies.DeviceView>> WaitForDevicesUpAsync(int count, TimeSpan? timeout = null) =>
        Eventually.Until(DevicesAsync, d => d.Count(v => v.Connectivity == Connectivity.Up) >= count,
            timeout ?? TimeSpan.FromSeconds(30), $"{count} devices up");

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try { await _app.StopAsync(cts.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }
}
