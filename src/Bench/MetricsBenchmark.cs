using System.Diagnostics;
using Fleet.Edge.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Fleet.Bench;

/// <summary>
/// The cost metrics add to one render: <see cref="EdgeMetrics.Rendered"/> (the render histogram by path and encoder
/// and one stage histogram per stage) with the agent's meter provider and Prometheus exporter listening, as in the agent.
/// </summary>
public static class MetricsBenchmark
{
    public sealed record Result(int Renders, int Batches, double MicrosPerRenderP50, double MicrosPerRenderMax, double BytesAllocatedPerRender, int Stages);

    public static Result Run(int renders, int batches = 5)
    {
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(EdgeMetrics.MeterName).AddPrometheusExporter().Build();
        // A render's usual stages (RenderJob) and the paths and encoders a device sees.
        var stages = new Dictionary<string, double>
        {
            ["verify"] = 0.4, ["policy"] = 0.1, ["personalise"] = 6.2, ["prepare"] = 0.3, ["speech"] = 41.0, ["composite"] = 120.5,
        };
        string[] paths = ["overlay", "cloud", "static-creative"];
        string[] encoders = ["libx264", "h264_nvenc", "h264_vaapi"];
        for (var i = 0; i < 10_000; i++) EdgeMetrics.Rendered(150 + i % 50, paths[i % 3], encoders[i % 3], stages); // warm-up: JIT, tag sets
        var micros = new List<double>();
        var bytes = new List<double>();
        for (var b = 0; b < batches; b++)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < renders; i++) EdgeMetrics.Rendered(150 + i % 50, paths[i % 3], encoders[i % 3], stages);
            sw.Stop();
            bytes.Add((GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)renders);
            micros.Add(sw.Elapsed.TotalMicroseconds / renders);
        }
        micros.Sort();
        return new Result(renders, batches, micros[micros.Count / 2], micros[^1], bytes.Min(), stages.Count);
    }
}
