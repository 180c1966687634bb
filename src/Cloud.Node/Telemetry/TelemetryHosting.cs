using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Telemetry;

public static class TelemetryHosting
{
    /// <summary>Control nodes host the ingest singleton (restarted with backoff if its journal fails); others proxy to it.</summary>
    public static AkkaConfigurationBuilder WithTelemetryIngest(this AkkaConfigurationBuilder b, bool isControl, ICohortResolver cohorts, TimeSpan retention)
    {
        var options = new ClusterSingletonOptions { Role = FleetCluster.ControlRole };
        if (!isControl) return b.WithSingletonProxy<TelemetryIngestKey>(FleetCluster.TelemetrySingleton, options);
        var props = SingletonSupervision.Props(TelemetryIngestActor.Props(cohorts, retention), "store");
        return b.WithSingleton<TelemetryIngestKey>(FleetCluster.TelemetrySingleton, props, options, createProxyToo: true);
    }
}
