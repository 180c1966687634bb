using System.CommandLine;

namespace Fleet.Shared.Cli;

/// <summary>
/// <c>PROGRAM completion bash|zsh</c>: a completion script made from the program's command tree (verbs, their
/// subcommands and options), so a new verb or option completes without anyone editing a script.
/// </summary>
public static class Completion
{
    public static readonly string[] Shells = ["bash", "zsh"];

    /// <summary>The <c>completion</c> verb of <paramref name="root"/>.</summary>
    public static Command Command(string program, RootCommand root)
    {
        var shell = new Argument<string?>("shell") { Description = string.Join(" or ", Shells), Arity = ArgumentArity.ZeroOrOne };
        shell.CompletionSources.Add(Shells);
        var command = new Command("completion", $"print a shell completion script (e.g. source <({program} completion bash))") { shell };
        command.SetAction(r =>
        {
            Console.Write(Script(program, root, r.GetValue(shell) ?? throw new UsageException($"name a shell: {string.Join(" or ", Shells)}")));
            return 0;
        });
        return command;
    }

    public static string Script(string program, RootCommand root, string shell)
    {
        if (!Shells.Contains(shell)) throw new UsageException($"unknown shell '{shell}' (one of {string.Join(", ", Shells)})");
        var function = "_" + new string(program.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
        var everywhere = root.Options.Where(o => o.Recursive).SelectMany(Names).ToList();
        var top = string.Join(' ', root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).Concat(root.Options.SelectMany(Names)).Distinct());
        var cases = string.Concat(root.Subcommands.Where(c => !c.Hidden).Select(verb =>
            $"    {verb.Name}) words=\"{string.Join(' ', Words(verb))}\" options=\"{string.Join(' ', Options(verb).Concat(everywhere).Distinct())}\" ;;\n"));
        var header = shell == "zsh"
            ? $"#compdef {program}\n# zsh completion for {program}: {program} completion zsh > \"${{fpath[1]}}/_{program}\"\nautoload -U +X bashcompinit && bashcompinit\n"
            : $"# bash completion for {program}: source <({program} completion bash)\n";
        return header + $$"""
            {{function}}() {
              local cur="${COMP_WORDS[COMP_CWORD]}" words="" options=""
              if (( COMP_CWORD == 1 )); then
                COMPREPLY=( $(compgen -W "{{top}}" -- "$cur") )
                return
              fi
              case "${COMP_WORDS[1]}" in
            {{cases}}  esac
              if (( COMP_CWORD == 2 )) && [[ -n "$words" && "$cur" != -* ]]; then
                COMPREPLY=( $(compgen -W "$words" -- "$cur") )
              elif [[ "$cur" == -* ]]; then
                COMPREPLY=( $(compgen -W "$options" -- "$cur") )
              fi
            }
            complete -o default -F {{function}} {{program}}

            """;
    }

    /// <summary>What may follow the verb: its subcommands, or the fixed values its first argument takes.</summary>
    private static IEnumerable<string> Words(Command verb) =>
        verb.Subcommands.Count > 0 ? verb.Subcommands.Where(c => !c.Hidden).Select(c => c.Name)
            : verb.Arguments.Take(1).SelectMany(a => a.GetCompletions(System.CommandLine.Completions.CompletionContext.Empty)).Select(i => i.Label);

    /// <summary>The options of the verb and of its subcommands (one list: the script does not track the subcommand).</summary>
    private static IEnumerable<string> Options(Command verb) =>
        verb.Options.SelectMany(Names).Concat(verb.Subcommands.SelectMany(Options));

    private static IEnumerable<string> Names(Option o) => o.Hidden ? [] : [o.Name];
}
