namespace Fleet.Cloud.Cli;

/// <summary>
/// The <c>status --watch</c> loop of the kill and rollout verbs: prints the status whenever it changes, stops with the
/// exit code <c>done</c> gives once the thing watched has ended (0 only when it ended well), and with
/// <see cref="ExitTimedOut"/> once <c>--timeout</c> has passed, so a script can wait on it.
/// </summary>
public static class StatusWatch
{
    /// <summary>The watched thing had not ended by <c>--timeout</c>.</summary>
    public const int ExitTimedOut = 4;

    /// <summary>It ended badly (a rollout rolled back or aborted).</summary>
    public const int ExitEndedBadly = 3;

    /// <param name="done">The exit code once the status is final; null while it is still moving.</param>
    /// <param name="timeout">How long to watch; null: until it ends.</param>
    /// <param name="separator">Printed between two statuses (a blank line between tables; nothing between JSON documents).</param>
    public static async Task<int> RunAsync<T>(Func<Task<T>> fetch, Func<T, string> render, string separator, Func<T, int?> done, bool watch,
        TimeSpan? timeout, TimeSpan every, Func<T, string> stillOpen)
    {
        var deadline = timeout is { } t ? DateTimeOffset.UtcNow + t : (DateTimeOffset?)null;
        string? last = null;
        while (true)
        {
            var status = await fetch();
            var text = render(status);
            if (text != last) Console.Write((last is null ? "" : separator) + text);
            last = text;
            if (!watch) return 0;
            if (done(status) is { } code) return code;
            if (DateTimeOffset.UtcNow >= deadline)
            {
                Console.Error.WriteLine($"--timeout reached after {timeout!.Value.TotalSeconds:0.#} s: {stillOpen(status)}");
                return ExitTimedOut;
            }
            await Task.Delay(every);
        }
    }

    /// <summary><c>--timeout</c> as a duration, or null when not given.</summary>
    public static TimeSpan? TimeoutOf(Shared.Cli.CommandArgs a) => a.Get("timeout") is not { } text ? null
        : Shared.Cli.Durations.Parse(text) is { } d && d > TimeSpan.Zero ? d
        : throw new Shared.Cli.UsageException($"--timeout '{text}' is not a duration (e.g. 60s, 10m)");
}
