namespace Fleet.Shared.Assets;

/// <summary>Garbage collection for <see cref="ContentStore"/>: everything not referenced by a live manifest goes.</summary>
internal static class StoreGarbage
{
    // Temp files younger than this may belong to a Put that is still running.
    private static readonly TimeSpan TempGrace = TimeSpan.FromHours(1);

    public static long Collect(ContentStore store, IEnumerable<string> keep)
    {
        var keepSet = new HashSet<string>(keep, StringComparer.Ordinal);
        long freed = 0;
        foreach (var top in Directory.EnumerateDirectories(store.Root))
        {
            var topName = Path.GetFileName(top);
            if (topName.StartsWith('.')) continue;
            foreach (var file in Directory.EnumerateFiles(top, "*", SearchOption.AllDirectories))
            {
                var name = Path.GetFileName(file);
                if (ContentStore.IsSha256(name) && keepSet.Contains(name) && file == store.PathOf(name)) continue;
                freed += Delete(file);
            }
            RemoveEmptyDirectories(top);
        }
        foreach (var part in Directory.EnumerateFiles(store.PartialRoot))
        {
            var sha = Path.GetFileNameWithoutExtension(part);
            if (!keepSet.Contains(sha) || Path.GetExtension(part) != ".part") freed += Delete(part);
        }
        var cutoff = DateTime.UtcNow - TempGrace;
        foreach (var temp in Directory.EnumerateFiles(store.TempRoot))
            if (File.GetLastWriteTimeUtc(temp) < cutoff) freed += Delete(temp);
        return freed;
    }

    private static long Delete(string file)
    {
        try
        {
            var size = new FileInfo(file).Length;
            File.Delete(file);
            return size;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    private static void RemoveEmptyDirectories(string dir)
    {
        foreach (var sub in Directory.EnumerateDirectories(dir)) RemoveEmptyDirectories(sub);
        if (!Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
    }
}
