using System.CommandLine;
using Fleet.Shared.Cli;
using Microsoft.Extensions.Logging;

namespace Fleet.Shared.Logging;

/// <summary>
/// How a node logs to the console: <c>--log-format text|json</c> (or FLEET_LOG_FORMAT), <c>--log-level</c> for Fleet's
/// own lines and <c>--akka-log-level</c> for Akka's (WARNING unless asked: its INFO lines are cluster chatter that
/// buries what an operator needs). Akka's lines reach the console through the same logger factory, so in JSON every
/// stdout line is one JSON object.
/// </summary>
public sealed record LogSettings(bool Json = false, LogLevel Level = LogLevel.Information, string AkkaLevel = "WARNING")
{
    public const string FormatVariable = "FLEET_LOG_FORMAT";

    private static readonly string[] AkkaLevels = ["DEBUG", "INFO", "WARNING", "ERROR", "OFF"];

    public static readonly Option<string?> FormatOption = CliOption.Text("--log-format",
        $"console log lines as text (default) or one JSON object per line (timestamp, level, category, message, exception); {FormatVariable} when not given", "text|json");
    public static readonly Option<string?> LevelOption = CliOption.Text("--log-level", "the least severe line logged (default info)", "debug|info|warning|error");
    public static readonly Option<string?> AkkaLevelOption = CliOption.Text("--akka-log-level", "Akka's own lines (default WARNING, or what --log-level asks)", "DEBUG|INFO|WARNING|ERROR");

    /// <summary>The declared options, for a command that takes them.</summary>
    public static Option[] Declared => [FormatOption, LevelOption, AkkaLevelOption];

    public static LogSettings From(ParseResult r) => From(r.GetValue(FormatOption), r.GetValue(LevelOption), r.GetValue(AkkaLevelOption));

    private static LogSettings From(string? formatGiven, string? levelGiven, string? akkaGiven)
    {
        var format = formatGiven ?? (Environment.GetEnvironmentVariable(FormatVariable) is { Length: > 0 } env ? env : "text");
        var json = format switch
        {
            "json" => true,
            "text" => false,
            _ => throw new UsageException($"--log-format '{format}' is not text or json{(formatGiven is null ? $" (from {FormatVariable})" : "")}"),
        };
        var level = levelGiven switch
        {
            null or "info" or "information" => LogLevel.Information,
            "debug" => LogLevel.Debug,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            var other => throw new UsageException($"--log-level '{other}' is not debug, info, warning or error"),
        };
        var akka = akkaGiven?.ToUpperInvariant()
                   ?? (levelGiven is null ? "WARNING" : level switch
                   {
                       LogLevel.Debug => "DEBUG",
                       LogLevel.Information => "INFO",
                       LogLevel.Warning => "WARNING",
                       _ => "ERROR",
                   });
        if (!AkkaLevels.Contains(akka)) throw new UsageException($"--akka-log-level '{akkaGiven}' is not one of {string.Join(", ", AkkaLevels)}");
        return new LogSettings(json, level, akka);
    }

    /// <summary>The console provider in the chosen format, with ASP.NET Core's and the runtime's own lines at warning.</summary>
    public ILoggingBuilder Apply(ILoggingBuilder logging)
    {
        logging.ClearProviders().SetMinimumLevel(Level);
        if (Json)
            logging.AddJsonConsole(j =>
            {
                j.UseUtcTimestamp = true;
                j.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                j.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        else
            logging.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; });
        return logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);
    }

    /// <summary>In JSON, Akka's start-up logger writes JSON too (added with the highest priority); empty as text.</summary>
    public string AkkaStdoutHocon => Json
        ? $"akka.stdout-logger-class = \"{typeof(JsonStdoutLogger).FullName}, {typeof(JsonStdoutLogger).Assembly.GetName().Name}\"\n" : "";

    /// <summary>A logger factory of its own, for lines written before (or beside) a host's.</summary>
    public ILoggerFactory CreateFactory() => LoggerFactory.Create(b => Apply(b));
}
