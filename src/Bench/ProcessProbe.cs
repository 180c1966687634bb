using System.Runtime.InteropServices;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;

namespace Fleet.Bench;

/// <summary>
/// What Linux says about a process (<c>/proc/PID/status</c> and <c>/proc/PID/stat</c>): resident memory and CPU time,
/// and the open-file limit a benchmark with thousands of connections needs. Zero where /proc is not there.
/// </summary>
public static class ProcessProbe
{
    private const int RlimitNoFile = 7;
    private const int ScClkTck = 2;

    /// <summary>Resident set size (VmRSS) in MB.</summary>
    public static double RssMb(int pid)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path)) return 0;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) / 1024.0;
    }

    /// <summary>
    /// Proportional set size (PSS, from <c>smaps_rollup</c>) of <paramref name="pid"/>'s children together, in MB: each
    /// shared page counted once across them, as the memory they add.
    /// </summary>
    public static double ChildrenPssMb(int pid) => ProcessTree.ChildrenOf(pid).Sum(c => PssMb(c.Pid));

    private static double PssMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/smaps_rollup").FirstOrDefault(l => l.StartsWith("Pss:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line["Pss:".Length..].Trim().Split(' ')[0]) / 1024.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
    }

    /// <summary>User + system CPU time so far, in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        var path = $"/proc/{pid}/stat";
        if (!File.Exists(path)) return 0;
        var stat = File.ReadAllText(path);
        // The command name (in parentheses) may hold spaces: count the fields after it. utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / (double)ClockTicks();
    }

    /// <summary>
    /// Raises the open-file limit to <paramref name="wanted"/> for a benchmark holding <paramref name="connections"/>;
    /// one line saying what to run when the limit in force stays below <paramref name="atLeast"/>. Returns the limit.
    /// </summary>
    public static long RequireOpenFiles(int connections, long wanted, long atLeast)
    {
        var limit = RaiseOpenFileLimit(wanted);
        if (limit >= 0 && limit < atLeast)
            throw new FleetException($"the open-file limit is {limit}, too low for {connections} connections: raise it (ulimit -n {wanted}) and run again");
        return limit;
    }

    /// <summary>
    /// Raises this process's open-file limit (inherited by the processes it starts) to at least <paramref name="needed"/>
    /// where allowed; returns the soft limit now in force.
    /// </summary>
    public static long RaiseOpenFileLimit(long needed)
    {
        if (!OperatingSystem.IsLinux() || getrlimit(RlimitNoFile, out var limit) != 0) return -1;
        if (limit.Current >= (ulong)needed) return (long)limit.Current;
        // Root may raise the hard limit too; anyone may raise the soft limit up to the hard one.
        var wanted = new RLimit { Current = (ulong)needed, Max = Math.Max(limit.Max, (ulong)needed) };
        if (setrlimit(RlimitNoFile, ref wanted) != 0)
        {
            wanted = limit with { Current = limit.Max };
            setrlimit(RlimitNoFile, ref wanted);
        }
        return getrlimit(RlimitNoFile, out limit) == 0 ? (long)limit.Current : -1;
    }

    private static long ClockTicks() => OperatingSystem.IsLinux() && sysconf(ScClkTck) is var t and > 0 ? t : 100;

    [StructLayout(LayoutKind.Sequential)]
    private record struct RLimit(ulong Current, ulong Max);

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, ref RLimit limit);

    [DllImport("libc")]
    private static extern long sysconf(int name);
}
