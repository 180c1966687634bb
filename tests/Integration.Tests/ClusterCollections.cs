namespace Fleet.Integration.Tests;

/// <summary>
/// Cluster tests start cloud and device processes and keep them busy, so they run in two queues, one test at a time in
/// each, side by side (on two cores the integration tests took 15-16 minutes so, against 26 one at a time), without piling
/// every process onto the machine at once. The queues are balanced by the test classes' measured durations. <c>./fleet
/// test</c> runs them after the unit assemblies, whose in-process clusters this load would starve.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}

/// <summary>The second queue of cluster tests (see <see cref="ClusterCollection"/>).</summary>
[CollectionDefinition(Name)]
public sealed class SecondClusterCollection
{
    public const string Name = "cluster-2";
}

/// <summary>
/// Cluster tests that assert a cloud's Prometheus values. A cloud's meters belong to the process (one node per process in
/// production), so another in-process cloud beside them would change the values they read: they run alone, after both
/// queues.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsValuesCollection
{
    public const string Name = "cluster-metrics";
}
