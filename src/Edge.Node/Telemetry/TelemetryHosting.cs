using Akka.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Telemetry;

public static class TelemetryHosting
{
    /// <summary>Minute aggregates into the SQLite <paramref name="outbox"/>, registered as <see cref="TelemetryActorKey"/> (renders report to it).</summary>
    public static AkkaConfigurationBuilder AddTelemetry(this AkkaConfigurationBuilder b, Outbox outbox, TelemetrySettings settings) =>
        b.WithActors((system, registry) => registry.Register<TelemetryActorKey>(
            system.ActorOf(TelemetryActor.Props(outbox, settings, probe: new ResourceProbe()), ActorNames.Edge.Telemetry)));
}
