using Fleet.Cloud.Hosting;
using Fleet.Shared.Cli;
using Fleet.Shared.Security.Pki;
using Microsoft.AspNetCore.Builder;

namespace Fleet.Cloud.Node.Tests.Api;

/// <summary>A cloud node built as <c>fleet-cloud</c> builds it (fleet CA, SQLite), never started: its endpoints and services.</summary>
public sealed class BuiltCloudNode : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fleet-built-node-" + Guid.NewGuid().ToString("N")[..8]);

    public WebApplication App { get; private set; } = null!;

    public Task InitializeAsync()
    {
        FleetCa.Create(CloudOptions.DefaultCaKeyPath(_dir)).Dispose();
        App = CloudHost.Build(CloudOptions.Parse(["--data", _dir]));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
