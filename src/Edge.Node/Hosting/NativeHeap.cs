using System.Runtime.InteropServices;

namespace Fleet.Edge.Hosting;

/// <summary>
/// glibc's allocator tuned for a device's memory budget. By default it raises its mmap threshold after each large
/// free, so the next model's tensors (tens of MB) come from the heap and a closed session's memory is never given back;
/// and it keeps up to 8 arenas per core. With a fixed threshold, large blocks are mapped and unmapped on free, the
/// heap top is trimmed, and two arenas serve every thread. Measured with <c>fleet-bench memory</c>.
/// </summary>
public static class NativeHeap
{
    private const int TrimThreshold = -1, MmapThreshold = -3, ArenaMax = -8;

    /// <summary>Applies the tuning (glibc on Linux only; elsewhere, or where glibc refuses, nothing changes).</summary>
    public static void ReturnFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(MmapThreshold, 128 * 1024);
            mallopt(TrimThreshold, 128 * 1024);
            mallopt(ArenaMax, 2);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { } // musl and others: their own defaults
    }

    [DllImport("libc")]
    private static extern int mallopt(int param, int value);
}
