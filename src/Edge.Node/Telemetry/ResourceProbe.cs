using System.Diagnostics;
using System.Globalization;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Telemetry;

/// <summary>
/// Reads CPU (from two readings of /proc/stat), memory (/proc/meminfo), this process's RSS and the hottest thermal
/// zone (/sys/class/thermal, if present). Anything the platform does not offer is null, never a guess.
/// </summary>
public sealed class ResourceProbe(string procRoot = "/proc", string thermalRoot = "/sys/class/thermal")
{
    private (long Busy, long Total)? _last;

    public ResourceSample Sample(DateTimeOffset at) => new(at, Cpu(), MemoryUsedMb(), Environment.WorkingSet / 1048576.0, TemperatureC());

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

    /// <summary>The process's own CPU time, for benchmarks.</summary>
    public static TimeSpan ProcessCpu() => Process.GetCurrentProcess().TotalProcessorTime;
}
