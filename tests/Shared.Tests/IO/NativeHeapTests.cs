using System.Runtime.InteropServices;
using Fleet.Shared.IO;

namespace Fleet.Shared.Tests.IO;

/// <summary>The C heap trim that follows model loads and unloads: freed memory glibc kept resident goes back to the system.</summary>
public sealed class NativeHeapTests
{
    private const int Blocks = 1024, BlockBytes = 64 * 1024;

    [Fact]
    public void Memory_freed_between_live_blocks_stays_resident_until_a_trim_hands_it_back()
    {
        if (!OperatingSystem.IsLinux()) return;
        // 64 MB in 64 KB blocks (under glibc's mmap threshold, so from the heap), each followed by a small block that
        // stays: the freed blocks cannot merge into the heap's top, so only a trim can return them (as a parsed model file).
        var ones = Enumerable.Repeat((byte)1, BlockBytes).ToArray();
        var freed = new IntPtr[Blocks];
        var kept = new IntPtr[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            freed[i] = Marshal.AllocHGlobal(BlockBytes);
            Marshal.Copy(ones, 0, freed[i], BlockBytes); // resident, not just reserved
            kept[i] = Marshal.AllocHGlobal(32);
        }
        try
        {
            foreach (var block in freed) Marshal.FreeHGlobal(block);
            var beforeTrim = RssMb();
            NativeHeap.Trim();
            var afterTrim = RssMb();
            Assert.True(beforeTrim - afterTrim >= 32, $"resident {beforeTrim} MB before the trim, {afterTrim} MB after: 64 MB were freed");
        }
        finally
        {
            foreach (var block in kept) Marshal.FreeHGlobal(block);
        }
    }

    private static long RssMb() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
}
