using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Fleet.Shared.Rendering;

/// <summary>
/// Named pipes (Linux/macOS) that let the assemble step start while the personalise step is still encoding: ffmpeg's
/// concat demuxer opens each pipe only when it reaches it, and the engine feeds it the finished part then (or the
/// personalise step writes into it as it encodes).
/// </summary>
internal static class Fifo
{
    private const int ENXIO = 6;
    private const int O_RDONLY = 0;
    private const int O_WRONLY = 1;
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;

    private static int ONonBlock => OperatingSystem.IsMacOS() ? 0x4 : 0x800;

    /// <summary>Creates a named pipe; false where the platform has none (the engine then runs the steps one after another).</summary>
    public static bool TryCreate(string path)
    {
        if (OperatingSystem.IsWindows()) return false;
        try { return mkfifo(path, Convert.ToUInt32("600", 8)) == 0; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }

    /// <summary>
    /// Waits until a reader opens <paramref name="path"/>, then writes <paramref name="sources"/> into it one after another. Returns false
    /// without writing when <paramref name="abandoned"/> turns true first (the reader died), so a dead reader never hangs us.
    /// </summary>
    public static Task<bool> FeedAsync(string path, IReadOnlyList<string> sources, Func<bool> abandoned, CancellationToken ct) =>
        FeedAsync(path, async (pipe, token) =>
        {
            foreach (var source in sources)
            {
                await using var file = File.OpenRead(source);
                await file.CopyToAsync(pipe, token).ConfigureAwait(false);
            }
        }, abandoned, ct);

    /// <summary>Waits until a reader opens <paramref name="path"/>, then lets <paramref name="write"/> fill it; false if abandoned first.</summary>
    public static async Task<bool> FeedAsync(string path, Func<Stream, CancellationToken, Task> write, Func<bool> abandoned, CancellationToken ct)
    {
        int fd;
        // Opening for write blocks until a reader arrives; non-blocking open + polling keeps the wait cancellable.
        while ((fd = open(path, O_WRONLY | ONonBlock)) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != ENXIO) throw new IOException($"cannot open pipe {path}: errno {errno}");
            if (abandoned()) return false;
            await Task.Delay(1, ct).ConfigureAwait(false);
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) & ~ONonBlock);
        await using var pipe = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
        await write(pipe, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading without waiting for a writer, and never reads: while it is held, a writer's
    /// open returns at once and its data waits in the pipe for the real reader. End of file still comes when the writer closes.
    /// </summary>
    public static SafeFileHandle HoldOpen(string path)
    {
        var fd = open(path, O_RDONLY | ONonBlock);
        if (fd < 0) throw new IOException($"cannot open pipe {path}: errno {Marshal.GetLastPInvokeError()}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Whether process <paramref name="pid"/> is blocked opening a named pipe for which no writer has come yet (Linux names
    /// that kernel wait <c>wait_for_partner</c>); null where the kernel does not say (no /proc, or a sleeping process's
    /// wait channel hidden as "0", which it also reads while the process runs).
    /// </summary>
    public static bool? IsWaitingForWriter(int pid)
    {
        try
        {
            var channel = File.ReadAllText($"/proc/{pid}/wchan").Trim();
            if (channel == "wait_for_partner") return true;
            if (channel is not ("" or "0")) return false;
            return IO.ProcessTree.StateOf(pid) is 'R' ? false : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(int fd, int cmd, int arg);
}
