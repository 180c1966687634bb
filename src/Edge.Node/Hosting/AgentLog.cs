
namespace Fleet.Edge.Hosting;

/// <summary>
/// The agent's own log: one line per event an operator cares about (join attempts, registration, refusal). Akka's
/// internal log stays at WARNING unless asked, so these lines are not buried. As text each line is timestamped here;
/// with <c>--log-format json</c> it goes through the same JSON console logger as everything else.
/// </summary>
public static class AgentLog
{
    /// <summary>Off for in-process benchmarks that run many devices in one process.</summary>
    public static volatile bool Enabled = true;

    private static ILogger? _json;

    /// <summary>Sends the lines through <paramref name="settings"/>' console logger when it writes JSON.</summary>
    public static void Use(Shared.Logging.LogSettings settings) =>
        _json = settings.Json ? settings.CreateFactory().CreateLogger("fleet-edge") : null;

    public static void Write(string line)
    {
        if (!Enabled) return;
        if (_json is { } logger)
            // The line is the message as it is: no template, so braces in it are never read as placeholders.
            logger.Log(line.StartsWith("WARNING", StringComparison.Ordinal) ? LogLevel.Warning : LogLevel.Information, default, line, null, (s, _) => s);
        else
            Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff} fleet-edge: {line}");
    }
}
