using System.Text.Json;
using Akka.Event;

namespace Fleet.Shared.Logging;

/// <summary>
/// Akka's logger for the moments before (and after) the real loggers run, e.g. its serializer warnings while the
/// actor system starts: with <c>--log-format json</c> those lines are JSON objects of the same shape as the console
/// logger's, so no stdout line is ever plain text (<see cref="LogSettings.AkkaStdoutHocon"/> selects it).
/// </summary>
public sealed class JsonStdoutLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is not LogEvent e) return;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Timestamp", e.Timestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteNumber("EventId", 0);
            json.WriteString("LogLevel", e.LogLevel() switch
            {
                Akka.Event.LogLevel.DebugLevel => "Debug",
                Akka.Event.LogLevel.InfoLevel => "Information",
                Akka.Event.LogLevel.WarningLevel => "Warning",
                _ => "Error",
            });
            json.WriteString("Category", e.LogClass?.FullName ?? "Akka");
            json.WriteString("Message", $"[{e.LogSource}] {e.Message}");
            if (e.Cause is { } cause) json.WriteString("Exception", cause.ToString());
            json.WriteEndObject();
        }
        Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
