using OpenTelemetry.Metrics;

namespace Fleet.Shared.Telemetry;

/// <summary>
/// Renames the runtime and process instruments whose OpenTelemetry names end in <c>.count</c> but are not counts of
/// events (gauges and up-down counters): Prometheus reserves <c>_count</c> for histograms and summaries, and
/// <c>promtool check metrics</c> rejects them. Both hosts apply it, so their expositions lint clean.
/// </summary>
public static class PrometheusNames
{
    public static readonly IReadOnlyDictionary<string, string> Renamed = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dotnet.assembly.count"] = "dotnet.assemblies.loaded",
        ["dotnet.process.cpu.count"] = "dotnet.process.cpus",
        ["dotnet.thread_pool.thread.count"] = "dotnet.thread_pool.threads",
        ["dotnet.timer.count"] = "dotnet.timers",
        ["process.thread.count"] = "process.threads",
        ["process.unix.file_descriptor.count"] = "process.unix.file_descriptors",
    };

    public static MeterProviderBuilder WithPrometheusNames(this MeterProviderBuilder builder)
    {
        foreach (var (from, to) in Renamed) builder.AddView(from, to);
        return builder;
    }
}
