namespace Fleet.Shared.IO;

/// <summary>
/// The children of one process, read from /proc. A child is named by pid and start time, so a pid the kernel hands to
/// another process later is never mistaken for a survivor.
/// </summary>
public static class ProcessTree
{
    public sealed record Child(int Pid, long StartTicks, string Name);

    /// <summary>Processes whose parent is <paramref name="parentPid"/> right now.</summary>
    public static IReadOnlyList<Child> ChildrenOf(int parentPid)
    {
        var children = new List<Child>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || Read(pid) is not { } stat) continue;
            if (stat.ParentPid == parentPid) children.Add(new Child(pid, stat.StartTicks, stat.Name));
        }
        return children;
    }

    /// <summary>Those of <paramref name="children"/> still alive (the same process, not a reused pid).</summary>
    public static IReadOnlyList<Child> StillAlive(IEnumerable<Child> children) =>
        children.Where(c => Read(c.Pid) is { } s && s.StartTicks == c.StartTicks && s.State != 'Z').ToList();

    /// <summary>The process's state letter (R running, S sleeping, Z zombie …); null when it is gone or unreadable.</summary>
    public static char? StateOf(int pid) => Read(pid)?.State;

    /// <summary>CPU time the process has used so far, user and system, in clock ticks; null when it is gone or unreadable.</summary>
    public static long? CpuTicksOf(int pid) => Read(pid)?.CpuTicks;

    private sealed record Stat(string Name, char State, int ParentPid, long StartTicks, long CpuTicks);

    private static Stat? Read(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // "pid (comm) state ppid ..." where comm may hold spaces and parentheses: split after the last ')'.
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open) return null;
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), fields[1] field 4 (ppid), fields[11] and [12] fields 14 and 15 (utime, stime),
        // fields[19] field 22 (starttime).
        return new Stat(text[(open + 1)..close], fields[0][0], int.Parse(fields[1]), long.Parse(fields[19]),
            long.Parse(fields[11]) + long.Parse(fields[12]));
    }
}
