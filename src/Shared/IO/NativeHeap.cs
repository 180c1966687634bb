using System.Runtime.InteropServices;

namespace Fleet.Shared.IO;

/// <summary>
/// glibc's allocator kept within a device's memory budget (glibc on Linux only; elsewhere, or where glibc refuses,
/// nothing changes). Measured with <c>fleet-bench memory</c>.
/// </summary>
public static class NativeHeap
{
    private const int TrimThreshold = -1, MmapThreshold = -3, ArenaMax = -8;

    /// <summary>
    /// By default glibc raises its mmap threshold after each large free, so the next model's tensors (tens of MB) come
    /// from the heap and a closed session's memory is never given back; and it keeps up to 8 arenas per core. With a fixed
    /// threshold, large blocks are mapped and unmapped on free, the heap top is trimmed, and two arenas serve every thread.
    /// </summary>
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

    /// <summary>
    /// Hands back the free pages between blocks still in use, which no threshold returns: loading an ONNX model frees
    /// thousands of small pieces of the parsed file among the session's own. Measured on the INT8 model, in a process
    /// without the tuning above: 99 MB resident after loading, 88 MB after a trim, inference as fast; with the tuning, the
    /// agent's idle RSS on it in <c>fleet-bench memory</c>: 242-244 MB before, 233-235 MB with the trim.
    /// </summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { _ = malloc_trim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [DllImport("libc")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc")]
    private static extern int malloc_trim(nuint pad);
}
