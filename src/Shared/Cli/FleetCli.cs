using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Fleet.Shared.Cli;

/// <summary>
/// Runs a program's command tree with the contract scripts rely on: bad usage is one line <c>PROGRAM VERB: message</c>
/// and exit 2, a <see cref="FleetException"/> is one line and its exit code, anything else one line and exit 70
/// (FLEET_DEBUG=1 lets it through with its stack trace). Help, <c>--version</c> and <c>completion bash|zsh</c> come
/// from the same tree, so a new verb or option needs no other edit.
/// </summary>
public static partial class FleetCli
{
    /// <summary>Every verb takes it: scripts read JSON, people read text.</summary>
    public static readonly Option<bool> Json = new("--json") { Description = "print JSON (for scripts) instead of text", Recursive = true };

    /// <param name="environment">Environment variables the program reads, for the root help (one per line).</param>
    public static RootCommand Root(string program, string description, IEnumerable<Command> verbs, string environment = "")
    {
        var root = new RootCommand(description);
        root.Options.Add(Json);
        foreach (var verb in verbs) root.Subcommands.Add(verb);
        root.Subcommands.Add(Completion.Command(program, root));
        foreach (var option in root.Options)
        {
            if (option is VersionOption) option.Action = new PrintVersion(program);
            if (option is HelpOption { Action: HelpAction help }) option.Action = new HelpWithEnvironment(help, environment);
        }
        return root;
    }

    public static async Task<int> RunAsync(string program, RootCommand root, string[] argv)
    {
        if (argv.Length == 0)
        {
            root.Parse(["--help"]).Invoke();
            return 2;
        }
        // The words older scripts used for these.
        if (argv[0] is "help") argv = ["--help", .. argv[1..]];
        if (argv[0] is "version") argv = ["--version", .. argv[1..]];
        var parsed = root.Parse(argv);
        var verb = VerbOf(parsed);
        var prefix = verb is null ? program : $"{program} {verb}";
        if (parsed.Action is ParseErrorAction)
        {
            Console.Error.WriteLine(verb is null
                ? $"{program}: unknown command '{parsed.UnmatchedTokens.FirstOrDefault() ?? argv[0]}' (try '{program} --help')"
                : $"{prefix}: {UsageError(parsed, program)}");
            return 2;
        }
        // The agents handle SIGTERM themselves and drain before exiting; the parser must not cut that short.
        return await Guarded(prefix, () => parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }));
    }

    /// <summary>
    /// Runs a verb with the error contract: <see cref="UsageException"/> one line and exit 2, <see cref="FleetException"/>
    /// one line and its exit code, anything else one line and exit 70 (FLEET_DEBUG=1 lets it through with its stack trace).
    /// </summary>
    public static async Task<int> Guarded(string prefix, Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"{prefix}: {e.Message}");
            return 2;
        }
        catch (FleetException e)
        {
            Console.Error.WriteLine($"{prefix}: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("FLEET_DEBUG") != "1")
        {
            // A bug, not bad input: still one line (FLEET_DEBUG=1 shows the stack trace).
            Console.Error.WriteLine($"{prefix}: unexpected {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}");
            return 70;
        }
    }

    /// <summary>The build's version, with the source revision it was built from when the build knew it (<c>0.1.0+abc123</c>).</summary>
    public static string Version =>
        System.Reflection.Assembly.GetEntryAssembly()?.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";

    /// <summary>The top-level verb the command line named, or null when it named none.</summary>
    private static string? VerbOf(ParseResult parsed)
    {
        System.CommandLine.Parsing.SymbolResult? at = parsed.CommandResult;
        string? verb = null;
        for (; at is System.CommandLine.Parsing.CommandResult c && c.Command is not RootCommand; at = at.Parent) verb = c.Command.Name;
        return verb;
    }

    /// <summary>The first problem, in the words Fleet's programs have always used for the common ones.</summary>
    private static string UsageError(ParseResult parsed, string program)
    {
        if (parsed.UnmatchedTokens.FirstOrDefault(t => t.StartsWith('-')) is { } option) return $"unknown option {option.Split('=')[0]}";
        if (parsed.UnmatchedTokens.Count > 0) return $"unexpected '{string.Join(' ', parsed.UnmatchedTokens)}'";
        var command = parsed.CommandResult.Command;
        if (command.Action is null && command.Subcommands.Count > 0)
            return $"name a subcommand: {string.Join(", ", command.Subcommands.Select(s => s.Name))} (try '{string.Join(' ', Path(command).Prepend(program))} --help')";
        var first = parsed.Errors[0].Message.TrimEnd('.');
        if (RequiredOption().Match(first) is { Success: true } required) return $"missing required option {required.Groups[1].Value}";
        return RequiredArgument().Match(first) is { Success: true } argument ? $"missing {argument.Groups[1].Value}" : first;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Option '(-[^']+)' is required$")]
    private static partial System.Text.RegularExpressions.Regex RequiredOption();

    [System.Text.RegularExpressions.GeneratedRegex("^Required argument '([^']+)' missing")]
    private static partial System.Text.RegularExpressions.Regex RequiredArgument();

    private static IEnumerable<string> Path(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c and not RootCommand; s = s.Parents.FirstOrDefault()) names.Insert(0, c.Name);
        return names;
    }

    private sealed class PrintVersion(string program) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine($"{program} {Version}");
            return 0;
        }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Command, string> Details = new();

    /// <summary>
    /// Paragraphs <c>--help</c> shows under the command's generated help: the description stays one line, as lists of
    /// commands show it whole.
    /// </summary>
    public static T WithDetails<T>(this T command, string details) where T : Command
    {
        Details.AddOrUpdate(command, details);
        return command;
    }

    /// <summary>The generated help, then the command's details, and under the program's own help the environment variables it reads.</summary>
    private sealed class HelpWithEnvironment(HelpAction inner, string environment) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            inner.Invoke(parseResult);
            var output = parseResult.InvocationConfiguration.Output;
            var command = parseResult.CommandResult.Command;
            if (Details.TryGetValue(command, out var details))
            {
                output.WriteLine("Details:");
                foreach (var line in details.TrimEnd().Split('\n')) output.WriteLine("  " + line.TrimEnd());
                output.WriteLine();
            }
            if (command is not RootCommand) return 0;
            output.WriteLine("Environment:");
            foreach (var line in (environment + "\nFLEET_DEBUG=1   print the stack trace of an unexpected error").Split('\n', StringSplitOptions.RemoveEmptyEntries))
                output.WriteLine("  " + line.Trim());
            output.WriteLine();
            return 0;
        }
    }
}
