namespace Fleet.Shared.Cli;

/// <summary>
/// One CLI verb: a name, a one-line summary for <c>--help</c>, the code that runs it, and its subcommands (for shell
/// completion, <see cref="Completion"/>).
/// </summary>
public sealed record Verb(string Name, string Summary, Func<IReadOnlyList<string>, Task<int>> Run, IReadOnlyList<string>? Subcommands = null)
{
    public IReadOnlyList<string> Subcommands { get; } = Subcommands ?? [];
}

/// <summary>
/// A verb not yet declared as a <see cref="System.CommandLine.Command"/>: its words after the verb name reach it as
/// they were typed (<c>--json</c> and <c>--help</c> included).
/// </summary>
public static class LegacyVerb
{
    public static System.CommandLine.Command AsCommand(this Verb verb)
    {
        var command = new System.CommandLine.Command(verb.Name, verb.Summary) { TreatUnmatchedTokensAsErrors = false };
        command.SetAction((r, _) => verb.Run(r.Tokens.SkipWhile(t => t.Value != verb.Name).Skip(1).Select(t => t.Value).ToList()));
        return command;
    }
}

/// <summary>Dispatches <c>argv[0]</c> to a verb; prints one-line errors and the verb list.</summary>
public static class VerbDispatcher
{
    /// <param name="environment">Environment variables the program reads, for the help text (one per line).</param>
    public static async Task<int> RunAsync(string program, IReadOnlyList<Verb> verbs, string[] argv, string environment = "")
    {
        if (argv.Length == 0 || argv[0] is "--help" or "-h" or "help")
        {
            PrintHelp(program, verbs, environment);
            return argv.Length == 0 ? 2 : 0;
        }
        if (argv[0] == "completion")
        {
            if (argv.Length != 2) { Console.Error.WriteLine($"{program} completion: name a shell: {string.Join(" or ", Completion.Shells)}"); return 2; }
            try { Console.Write(Completion.Script(program, verbs, argv[1])); return 0; }
            catch (UsageException e) { Console.Error.WriteLine($"{program} completion: {e.Message}"); return 2; }
        }
        if (argv[0] is "--version" or "version")
        {
            Console.WriteLine($"{program} {Version}");
            return 0;
        }
        var verb = verbs.FirstOrDefault(v => v.Name == argv[0]);
        if (verb is null)
        {
            Console.Error.WriteLine($"{program}: unknown command '{argv[0]}' (try '{program} --help')");
            return 2;
        }
        return await FleetCli.Guarded($"{program} {verb.Name}", () => verb.Run(argv[1..]));
    }

    /// <summary>The build's version, with the source revision it was built from when the build knew it (<c>0.1.0+abc123</c>).</summary>
    public static string Version => FleetCli.Version;

    private static void PrintHelp(string program, IReadOnlyList<Verb> verbs, string environment)
    {
        Console.WriteLine($"usage: {program} <command> [options]   ({program} <command> --help for its options; {program} --version)");
        Console.WriteLine();
        foreach (var v in verbs) Console.WriteLine($"  {v.Name,-12} {v.Summary}");
        Console.WriteLine($"  {"completion",-12} print a shell completion script: {program} completion bash|zsh (e.g. source <({program} completion bash))");
        Console.WriteLine();
        Console.WriteLine("environment:");
        foreach (var line in (environment + "\nFLEET_DEBUG=1   print the stack trace of an unexpected error").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Console.WriteLine("  " + line.Trim());
    }
}

/// <summary>An expected failure with a message meant for the user: printed as one line, exit code 1.</summary>
public class FleetException(string message, Exception? inner = null, int exitCode = 1) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
