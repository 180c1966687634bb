using System.Runtime.InteropServices;

namespace Fleet.Bench;

/// <summary>CPU time used by finished child processes (getrusage): a load-independent cost measure for the benchmark.</summary>
internal static class ChildCpu
{
    private const int RusageChildren = -1;

    /// <summary>User + system milliseconds of all reaped children so far; null where getrusage is unavailable.</summary>
    public static double? TotalMs()
    {
        if (OperatingSystem.IsWindows()) return null;
        try
        {
            var buffer = new long[18]; // struct rusage on 64-bit Unix: two timevals, then 14 longs
            if (getrusage(RusageChildren, buffer) != 0) return null;
            return (buffer[0] + buffer[2]) * 1000.0 + (buffer[1] + buffer[3]) / 1000.0;
        }
        catch (DllNotFoundException) { return null; }
        catch (EntryPointNotFoundException) { return null; }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, [Out] long[] usage);
}
