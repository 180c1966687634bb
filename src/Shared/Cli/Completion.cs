namespace Fleet.Shared.Cli;

/// <summary>
/// <c>PROGRAM completion bash|zsh</c>: a completion script made from the same verb table the dispatcher and
/// <c>--help</c> use (each verb's name and subcommands), so a new verb completes without anyone editing a script.
/// </summary>
public static class Completion
{
    public static readonly string[] Shells = ["bash", "zsh"];

    /// <summary>Options every verb takes.</summary>
    private const string CommonOptions = "--help --json";

    public static string Script(string program, IReadOnlyList<Verb> verbs, string shell)
    {
        if (!Shells.Contains(shell)) throw new UsageException($"completion: unknown shell '{shell}' (one of {string.Join(", ", Shells)})");
        var function = "_" + new string(program.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
        var top = string.Join(' ', verbs.Select(v => v.Name).Append("completion").Append("--help").Append("--version"));
        var cases = string.Concat(verbs.Where(v => v.Subcommands.Count > 0)
            .Select(v => $"    {v.Name}) words=\"{string.Join(' ', v.Subcommands)}\" ;;\n"));
        var header = shell == "zsh"
            ? $"#compdef {program}\n# zsh completion for {program}: {program} completion zsh > \"${{fpath[1]}}/_{program}\"\nautoload -U +X bashcompinit && bashcompinit\n"
            : $"# bash completion for {program}: source <({program} completion bash)\n";
        return header + $$"""
            {{function}}() {
              local cur="${COMP_WORDS[COMP_CWORD]}" words=""
              if (( COMP_CWORD == 1 )); then
                COMPREPLY=( $(compgen -W "{{top}}" -- "$cur") )
                return
              fi
              case "${COMP_WORDS[1]}" in
            {{cases}}    completion) words="{{string.Join(' ', Shells)}}" ;;
              esac
              if (( COMP_CWORD == 2 )) && [[ -n "$words" && "$cur" != -* ]]; then
                COMPREPLY=( $(compgen -W "$words" -- "$cur") )
              elif [[ "$cur" == -* ]]; then
                COMPREPLY=( $(compgen -W "{{CommonOptions}}" -- "$cur") )
              fi
            }
            complete -o default -F {{function}} {{program}}

            """;
    }
}
