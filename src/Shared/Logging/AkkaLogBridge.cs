using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace Fleet.Shared.Logging;

/// <summary>
/// Akka's log events into the host's <see cref="ILoggerFactory"/>, message as it is: Akka.Hosting's own bridge passes
/// Akka's formatted line (<c>[INFO][date][Thread][source] …</c>), which gave every line two timestamps and hid the
/// level inside the text. Here the category is the class that logged and the source (actor path) leads the message.
/// </summary>
public sealed class AkkaLogBridge : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public AkkaLogBridge()
    {
        var factory = DependencyResolver.For(Context.System).Resolver.GetService<ILoggerFactory>();
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            var logger = factory.CreateLogger(e.LogClass?.FullName ?? "Akka");
            var level = e.LogLevel() switch
            {
                Akka.Event.LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
                Akka.Event.LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
                Akka.Event.LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
                _ => Microsoft.Extensions.Logging.LogLevel.Error,
            };
            if (!logger.IsEnabled(level)) return;
            logger.Log(level, default, $"[{e.LogSource}] {e.Message}", e.Cause, (text, _) => text);
        });
    }

    /// <summary>For <c>ConfigureLoggers</c>: this bridge as the only logger.</summary>
    public static void Use(Akka.Hosting.LoggerConfigBuilder loggers)
    {
        loggers.ClearLoggers();
        loggers.AddLogger<AkkaLogBridge>();
    }
}
