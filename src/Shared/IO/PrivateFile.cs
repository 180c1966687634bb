namespace Fleet.Shared.IO;

/// <summary>Writes secrets (tokens, keys, salts) so they are mode 600 from the first byte and appear atomically.</summary>
public static class PrivateFile
{
    public static void WriteNew(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = path + ".tmp-" + Environment.ProcessId;
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var fs = new FileStream(tmp, options))
        using (var w = new StreamWriter(fs))
        {
            w.Write(content);
            w.Flush();
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Makes sure <paramref name="path"/> exists readable by this user only: created empty with mode 600, or an existing
    /// file of ours narrowed to 600 (files made before this rule). Other programs then open it without widening it.
    /// </summary>
    public static void EnsurePrivate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (OperatingSystem.IsWindows())
        {
            if (!File.Exists(path)) File.Create(path).Dispose();
            return;
        }
        const UnixFileMode mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode600 });
        }
        catch (IOException) when (File.Exists(path))
        {
            if (File.GetUnixFileMode(path) != mode600)
            {
                try { File.SetUnixFileMode(path, mode600); }
                catch (UnauthorizedAccessException) { } // someone else's file: leave it as its owner made it
            }
        }
    }
}
