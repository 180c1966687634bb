using System.Diagnostics;
using System.Globalization;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Telemetry;

/// <summary>
/// Reads CPU (from two readings of /proc/stat), memory (/proc/meminfo), this process's RSS, the hottest thermal
/// zone (/sys/class/thermal, if present) and the busiest accelerator the kernel reports on (see <see cref="AcceleratorPercent"/>).
/// Anything the platform does not offer is null, never a guess.
/// </summary>
public sealed class ResourceProbe(string procRoot = "/proc", string thermalRoot = "/sys/class/thermal", string classRoot = "/sys/class")
{
    private (long Busy, long Total)? _last;

    public ResourceSample Sample(DateTimeOffset at) => new(at, Cpu(), MemoryUsedMb(), Environment.WorkingSet / 1048576.0, TemperatureC(), AcceleratorPercent());

    private double? Cpu()
    {
        var now = ReadCpu();
        if (now is null) return null;
        var prev = _last;
        _last = now;
        if (prev is null) return null;
        var total = now.Value.Total - prev.Value.Total;
        return total <= 0 ? null : Math.Round(100.0 * (now.Value.Busy - prev.Value.Busy) / total, 1);
    }

    private (long Busy, long Total)? ReadCpu()
    {
        try
        {
            var line = File.ReadLines(Path.Combine(procRoot, "stat")).FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null) return null;
            var v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var idle = v[3] + (v.Length > 4 ? v[4] : 0);
            var total = v.Take(8).Sum();
            return (total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }

    private double? MemoryUsedMb()
    {
        try
        {
            var kv = File.ReadLines(Path.Combine(procRoot, "meminfo"))
                .Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => long.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
            return kv.TryGetValue("MemTotal", out var total) && kv.TryGetValue("MemAvailable", out var avail)
                ? Math.Round((total - avail) / 1024.0, 1) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }

    private double? TemperatureC()
    {
        try
        {
            if (!Directory.Exists(thermalRoot)) return null;
            var temps = Directory.EnumerateDirectories(thermalRoot, "thermal_zone*")
                .Select(d => Path.Combine(d, "temp")).Where(File.Exists)
                .Select(f => long.TryParse(File.ReadAllText(f).Trim(), out var milli) ? milli / 1000.0 : (double?)null)
                .OfType<double>().ToList();
            return temps.Count == 0 ? null : temps.Max();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// NPU or GPU utilisation in percent, the highest the kernel reports: devfreq's <c>load</c> of a device named for an
    /// NPU or GPU (<c>NN@FREQHz</c>; Rockchip's RKNPU, Mali), AMD's <c>drm/card*/device/gpu_busy_percent</c>, or Qualcomm's
    /// <c>kgsl/kgsl-3d0/gpu_busy_percentage</c>. Null where none is exposed (a Hailo HAT reports only through its own service).
    /// </summary>
    private double? AcceleratorPercent()
    {
        var readings = new List<double>();
        try
        {
            var devfreq = Path.Combine(classRoot, "devfreq");
            if (Directory.Exists(devfreq))
                foreach (var dir in Directory.EnumerateDirectories(devfreq))
                {
                    var name = Path.GetFileName(dir);
                    if (!name.Contains("npu", StringComparison.OrdinalIgnoreCase) && !name.Contains("gpu", StringComparison.OrdinalIgnoreCase)) continue;
                    if (Percent(Path.Combine(dir, "load"), '@') is { } load) readings.Add(load);
                }
            var drm = Path.Combine(classRoot, "drm");
            if (Directory.Exists(drm))
                foreach (var card in Directory.EnumerateDirectories(drm, "card*"))
                    if (Percent(Path.Combine(card, "device", "gpu_busy_percent"), ' ') is { } busy) readings.Add(busy);
            if (Percent(Path.Combine(classRoot, "kgsl", "kgsl-3d0", "gpu_busy_percentage"), ' ') is { } adreno) readings.Add(adreno);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return readings.Count == 0 ? null : readings.Max();
    }

    // The number before the first separator (or the end), when it is a percentage.
    private static double? Percent(string file, char separator)
    {
        try
        {
            if (!File.Exists(file)) return null;
            var text = File.ReadAllText(file).Trim();
            var head = text.Split(separator, 2)[0].TrimEnd('%').Trim();
            return double.TryParse(head, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is >= 0 and <= 100 ? v : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The process's own CPU time, for benchmarks.</summary>
    public static TimeSpan ProcessCpu() => Process.GetCurrentProcess().TotalProcessorTime;
}
