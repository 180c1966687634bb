using System.Runtime.InteropServices;
using Fleet.Shared.IO;

namespace Fleet.Shared.Tests.IO;

/// <summary>The trim may not share the process with other tests: a test that closes a model trims the heap too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHeapCollection
{
    public const string Name = "native heap, alone";
}

/// <summary>The C heap trim that follows model loads and unloads: freed memory glibc kept resident goes back to the system.</summary>
[Collection(NativeHeapCollection.Name)]
public sealed class NativeHeapTests
{
    private const int Blocks = 1024, BlockBytes = 64 * 1024;
    private static readonly long Page = Environment.SystemPageSize;

    [Fact]
    public void Memory_freed_between_live_blocks_stays_resident_until_a_trim_hands_it_back()
    {
        if (!OperatingSystem.IsLinux()) return;
        // 64 MB in 64 KB blocks (under glibc's mmap threshold, so from the heap), each followed by one of the same size
        // that stays: the freed blocks cannot merge with each other or into the heap's top (which glibc trims by itself),
        // so only a trim can return them, as with a parsed model file. A small block would not do: in a heap other tests
        // have used, it comes from a free list elsewhere. The freed blocks' own pages are asked about (mincore), not the
        // process's RSS, which other threads move.
        var ones = Enumerable.Repeat((byte)1, BlockBytes).ToArray();
        var freed = new IntPtr[Blocks];
        var kept = new IntPtr[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            freed[i] = Marshal.AllocHGlobal(BlockBytes);
            Marshal.Copy(ones, 0, freed[i], BlockBytes); // resident, not just reserved
            kept[i] = Marshal.AllocHGlobal(BlockBytes);
        }
        try
        {
            foreach (var block in freed) Marshal.FreeHGlobal(block);
            var (beforeTrim, pages) = ResidentInterior(freed);
            NativeHeap.Trim();
            var (afterTrim, _) = ResidentInterior(freed);
            var said = $"{beforeTrim} of the freed blocks' {pages} inner pages resident before the trim, {afterTrim} after";
            Assert.True(beforeTrim >= pages * 9 / 10, said);
            Assert.True(afterTrim <= pages / 10, said);
        }
        finally
        {
            foreach (var block in kept) Marshal.FreeHGlobal(block);
        }
    }

    /// <summary>Resident pages wholly inside the blocks, past the first 64 bytes glibc writes its free-list links into.</summary>
    private static (long Resident, long Pages) ResidentInterior(IntPtr[] blocks)
    {
        long resident = 0, pages = 0;
        foreach (var block in blocks)
        {
            var start = (block.ToInt64() + 64 + Page - 1) / Page * Page;
            var end = (block.ToInt64() + BlockBytes) / Page * Page;
            var count = (end - start) / Page;
            var vector = new byte[count];
            // A page no longer mapped at all (ENOMEM) was given back too.
            if (mincore(new IntPtr(start), (nuint)(end - start), vector) == 0) resident += vector.Count(v => (v & 1) != 0);
            pages += count;
        }
        return (resident, pages);
    }

    [DllImport("libc")]
    private static extern int mincore(IntPtr address, nuint length, byte[] vector);
}
