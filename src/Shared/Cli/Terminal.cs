using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fleet.Shared.Cli;

/// <summary>
/// The one place that decides how the CLIs draw: Spectre.Console's tables, live views and progress when a person reads
/// stdout or stderr at a terminal; plain lines when they are redirected, so scripts and tests read what they always did.
/// </summary>
public static partial class Terminal
{
    // Wide enough that no redirected line ever wraps: scripts split on columns, not on the reader's window.
    private const int RedirectedWidth = 100_000;

    private static readonly Lazy<IAnsiConsole> StdoutConsole = new(() => Create(Console.Out));
    private static readonly Lazy<IAnsiConsole> StderrConsole = new(() => Create(Console.Error));

    public static bool StdoutIsTerminal => !Console.IsOutputRedirected;
    public static bool StderrIsTerminal => !Console.IsErrorRedirected;

    /// <summary>Spectre's console on stdout, for live views.</summary>
    public static IAnsiConsole Stdout => StdoutConsole.Value;

    /// <summary>Spectre's console on stderr, for progress that must never mix with what stdout carries.</summary>
    public static IAnsiConsole Stderr => StderrConsole.Value;

    /// <summary>
    /// <paramref name="what"/> as text with no colour or escape codes, laid out for stdout: the terminal's width there,
    /// otherwise one unwrapped line per row. Text, not styles, because it is composed into longer output and redrawn by
    /// live views, which measure it as plain text.
    /// </summary>
    public static string Text(IRenderable what, bool terminal)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(text), Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
        });
        console.Profile.Width = terminal ? Stdout.Profile.Width : RedirectedWidth;
        console.Profile.Capabilities.Unicode = terminal && Stdout.Profile.Capabilities.Unicode;
        console.Write(what);
        return text.ToString();
    }

    private static IAnsiConsole Create(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        // Live views and progress hide the cursor; Ctrl+C, the usual end of an open-ended --watch, must not leave it hidden.
        Console.CancelKeyPress += (_, _) => console.Cursor.Show();
        return console;
    }
}
