using Akka.Actor;
using Akka.Hosting;
using Fleet.Shared.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fleet.Shared.Tests.Serialization;

/// <summary>An actor system configured exactly as every Fleet node configures serialization.</summary>
public sealed class SerializationFixture : IAsyncLifetime
{
    private IHost _host = null!;

    public ActorSystem System { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _host = Host.CreateDefaultBuilder()
            .ConfigureServices(s => s.AddAkka("serialization-test", b => b.WithFleetSerialization()))
            .Build();
        await _host.StartAsync();
        System = _host.Services.GetRequiredService<ActorSystem>();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
