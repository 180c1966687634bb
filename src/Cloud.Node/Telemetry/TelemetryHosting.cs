using Akka.Cluster.Hosting;
using Akka.Hosting;
using Fleet.Cloud.Hosting;
using Fleet.Cloud.Reports;
using Fleet.Shared.Cluster;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Telemetry;

public static class TelemetryHosting
{
    /// <summary>
    /// Control nodes host the ingest singleton (restarted with backoff if its journal fails) with the report projection
    /// as its child (<paramref name="reports"/>, rows kept for <paramref name="reportRetention"/>); others proxy to it.
    /// </summary>
    public static AkkaConfigurationBuilder AddTelemetryIngest(this AkkaConfigurationBuilder b, bool isControl, ICohortResolver cohorts, TimeSpan retention,
        ReportStore? reports = null, TimeSpan? reportRetention = null)
    {
        var options = new ClusterSingletonOptions { Role = FleetCluster.ControlRole };
        if (!isControl) return b.WithSingletonProxy<TelemetryIngestKey>(ActorNames.Singletons.TelemetryIngest, options);
        var projector = reports is null ? null : ReportProjector.Props(reports, reportRetention ?? CloudOptions.DefaultReportRetention);
        var props = SingletonSupervision.Props(TelemetryIngestActor.Props(cohorts, retention, projector), "store");
        return b.WithSingleton<TelemetryIngestKey>(ActorNames.Singletons.TelemetryIngest, props, options, createProxyToo: true);
    }

    /// <summary>Control nodes keep <paramref name="cohorts"/> (canary or baseline per device) in line with the published assignment tables.</summary>
    public static AkkaConfigurationBuilder AddCohortWatcher(this AkkaConfigurationBuilder b, bool isControl, CohortResolver cohorts) =>
        !isControl ? b : b.WithActors((system, _) => system.ActorOf(CohortWatcher.Props(cohorts), ActorNames.Cloud.CohortWatcher));
}
