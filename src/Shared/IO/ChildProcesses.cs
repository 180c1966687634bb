using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fleet.Shared.IO;

/// <summary>
/// Starts the helper processes (ffmpeg, espeak-ng) so that none outlives this process, however it ends: a SIGKILL runs
/// no cleanup, and a warm ffmpeg blocked on a named pipe would otherwise wait forever under pid 1. On Linux each child
/// is started through <c>setpriv --pdeathsig KILL</c>, so the kernel kills it when its parent dies. The kernel's
/// "parent" is the thread that forked, not the process, and pool threads come and go: every child is therefore forked
/// from one dedicated thread that lives as long as the process. Elsewhere (or without setpriv) children start plainly.
/// </summary>
public static class ChildProcesses
{
    private const string Launcher = "/usr/bin/setpriv";
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource<bool> Started)> Queue = new();
    private static readonly Lazy<bool> Guarded = new(StartSpawner);

    /// <summary>Whether children die with this process (Linux with setpriv); false where they start plainly.</summary>
    public static bool DieWithParent => Guarded.Value;

    /// <summary>
    /// Starts <paramref name="psi"/> (arguments in its ArgumentList, no shell) as a child that dies with this process.
    /// A missing binary throws <see cref="System.ComponentModel.Win32Exception"/> as a plain start does.
    /// </summary>
    public static Process Start(ProcessStartInfo psi)
    {
        var process = new Process { StartInfo = Guard(psi) };
        try
        {
            if (!DieWithParent)
            {
                if (!process.Start()) throw new InvalidOperationException($"{psi.FileName} did not start");
                return process;
            }
            var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Queue.Add((process, started));
            started.Task.GetAwaiter().GetResult(); // rethrows what Start threw on the spawner thread
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Wraps the command in the launcher. A binary that does not resolve is left alone, so starting it still fails at
    /// once with the usual "not found" error rather than as a launcher exit status later.
    /// </summary>
    private static ProcessStartInfo Guard(ProcessStartInfo psi)
    {
        if (!string.IsNullOrEmpty(psi.Arguments))
            throw new ArgumentException("pass arguments through ArgumentList, never as one string to be split", nameof(psi));
        if (!DieWithParent || Resolve(psi.FileName) is not { } binary) return psi;
        var args = psi.ArgumentList.ToList();
        psi.FileName = Launcher;
        psi.ArgumentList.Clear();
        foreach (var a in new[] { "--pdeathsig", "KILL", "--", binary }.Concat(args)) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>The full path a start of <paramref name="file"/> would run (a path as given, a bare name on PATH); null if none.</summary>
    public static string? Resolve(string file)
    {
        if (file.Contains('/')) return File.Exists(file) ? Path.GetFullPath(file) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, file);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>util-linux added --pdeathsig to setpriv in 2.33; an older one would fail every child.</summary>
    private static bool KnowsPdeathsig()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Launcher, "--help") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var help = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return help.Contains("--pdeathsig");
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    private static bool StartSpawner()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(Launcher) || !KnowsPdeathsig()) return false;
        var thread = new Thread(() =>
        {
            foreach (var (process, started) in Queue.GetConsumingEnumerable())
            {
                try { started.SetResult(process.Start() ? true : throw new InvalidOperationException($"{process.StartInfo.FileName} did not start")); }
                catch (Exception e) { started.SetException(e); }
            }
        }) { IsBackground = true, Name = "child-process-spawner" };
        thread.Start();
        return true;
    }
}
