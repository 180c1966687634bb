using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fleet.Integration.Tests;

/// <summary>A bare device member of a development cluster (role <c>device-ID</c>) that talks to the telemetry singleton as a device does.</summary>
public static class DeviceMember
{
    public static async Task<IHost> JoinAsync(string seed, string deviceId)
    {
        var host = Host.CreateDefaultBuilder().ConfigureServices(s => s.AddAkka(FleetCluster.SystemName, b => b
            .WithFleetNode(new NodeSettings { Roles = [FleetCluster.EdgeRole, FleetCluster.DeviceRole(deviceId)], SeedNodes = [seed], LogLevel = "ERROR" })
            .WithSingletonProxy<TelemetryIngestKey>(ActorNames.Singletons.TelemetryIngest, new ClusterSingletonOptions { Role = FleetCluster.ControlRole }))).Build();
        await host.StartAsync();
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return host;
    }

    /// <summary>The telemetry singleton as this member reaches it.</summary>
    public static Task<IActorRef> IngestAsync(this IHost member) => member.Services.GetRequiredService<IRequiredActor<TelemetryIngestKey>>().GetAsync();
}
