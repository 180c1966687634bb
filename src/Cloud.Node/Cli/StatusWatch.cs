using System.CommandLine;
using Spectre.Console;

namespace Fleet.Cloud.Cli;

/// <summary>
/// The <c>status --watch</c> loop of the kill and rollout verbs: stops with the exit code <c>done</c> gives once the
/// thing watched has ended (0 only when it ended well), and with <see cref="ExitTimedOut"/> once <c>--timeout</c> has
/// passed, so a script can wait on it. On a terminal the status is redrawn in place; redirected or with <c>--json</c>
/// it is printed again whenever it changes (a blank line between tables, nothing between JSON documents).
/// </summary>
public static class StatusWatch
{
    /// <summary>The watched thing had not ended by <c>--timeout</c>.</summary>
    public const int ExitTimedOut = 4;

    /// <summary>It ended badly (a rollout rolled back or aborted).</summary>
    public const int ExitEndedBadly = 3;

    /// <param name="done">The exit code once the status is final; null while it is still moving.</param>
    /// <param name="timeout">How long to watch; null: until it ends.</param>
    public static async Task<int> RunAsync<T>(Func<Task<T>> fetch, Func<T, string> render, bool json, Func<T, int?> done, bool watch,
        TimeSpan? timeout, TimeSpan every, Func<T, string> stillOpen)
    {
        if (!watch)
        {
            Console.Write(render(await fetch()));
            return 0;
        }
        var deadline = timeout is { } t ? DateTimeOffset.UtcNow + t : (DateTimeOffset?)null;
        var (code, last) = !json && Terminal.StdoutIsTerminal
            ? await Terminal.Stdout.Live(new Text("")).StartAsync(live => WatchAsync(fetch, done, deadline, every, s =>
            {
                live.UpdateTarget(new Text(render(s).TrimEnd('\n')));
                live.Refresh();
            }))
            : await WatchAsync(fetch, done, deadline, every, AppendOnChange(render, json ? "" : "\n"));
        if (code is { } c) return c;
        Console.Error.WriteLine($"--timeout reached after {timeout!.Value.TotalSeconds:0.#} s: {stillOpen(last)}");
        return ExitTimedOut;
    }

    public static readonly Option<bool> Watch = CliOption.Flag("--watch", "watch until it ends (exit 0 when it ended well)");

    public static readonly Option<string?> Timeout = CliOption.Text("--timeout", "with --watch: stop watching after this long, exit 4 (default: until it ends)", "DURATION");

    /// <summary><c>--timeout</c> as a duration, or null when not given.</summary>
    public static TimeSpan? TimeoutOf(ParseResult r) => r.GetValue(Timeout) is not { } text ? null
        : Durations.Parse(text) is { } d && d > TimeSpan.Zero ? d
        : throw new UsageException($"--timeout '{text}' is not a duration (e.g. 60s, 10m)");

    /// <returns>The exit code <paramref name="done"/> gave, or null at the deadline; and the last status seen.</returns>
    private static async Task<(int? Code, T Last)> WatchAsync<T>(Func<Task<T>> fetch, Func<T, int?> done, DateTimeOffset? deadline, TimeSpan every,
        Action<T> show)
    {
        while (true)
        {
            var status = await fetch();
            show(status);
            if (done(status) is { } code) return (code, status);
            if (DateTimeOffset.UtcNow >= deadline) return (null, status);
            await Task.Delay(every);
        }
    }

    private static Action<T> AppendOnChange<T>(Func<T, string> render, string separator)
    {
        string? last = null;
        return status =>
        {
            var text = render(status);
            if (text != last) Console.Write((last is null ? "" : separator) + text);
            last = text;
        };
    }
}
