using System.Diagnostics;

namespace Fleet.Integration.Tests;

/// <summary>The completion scripts the real programs print, sourced into bash and asked what they complete.</summary>
public sealed class CompletionTests
{
    [Theory]
    [InlineData("cloud", "rol", "rollout")]
    [InlineData("cloud", "model q", "quantize")]
    [InlineData("cloud", "kill ", "engage")]
    [InlineData("cloud", "completion z", "zsh")]
    [InlineData("edge", "enr", "enroll")]
    [InlineData("edge", "audit ver", "verify")]
    [InlineData("edge", "agent --js", "--json")]
    public async Task A_sourced_bash_completion_completes_verbs_subcommands_and_options(string program, string typed, string expected)
    {
        var dll = program == "cloud" ? FleetProcess.CloudDll : FleetProcess.EdgeDll;
        var name = $"fleet-{program}";
        var words = typed.EndsWith(' ') ? typed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("\"\"") : typed.Split(' ');
        var script = $"""
            set -e
            source <(dotnet '{dll}' completion bash)
            COMP_WORDS=({name} {string.Join(' ', words)}); COMP_CWORD=$(( ${"{#COMP_WORDS[@]}"} - 1 ))
            _fleet_{program}
            printf '%s\n' "${"{COMPREPLY[@]}"}"
            """;
        var (exit, output) = await BashAsync(script);
        Assert.True(exit == 0, output);
        Assert.Contains(expected, output.Split('\n'));
    }

    [Theory]
    [InlineData("cloud", "bash")]
    [InlineData("cloud", "zsh")]
    [InlineData("edge", "bash")]
    public async Task Every_script_parses_and_an_unknown_shell_is_one_line_error(string program, string shell)
    {
        var dll = program == "cloud" ? FleetProcess.CloudDll : FleetProcess.EdgeDll;
        var (exit, output) = await BashAsync($"dotnet '{dll}' completion {shell} | bash -n");
        Assert.True(exit == 0, output);
        var (badExit, bad) = await BashAsync($"dotnet '{dll}' completion fish");
        Assert.NotEqual(0, badExit);
        Assert.Contains("unknown shell 'fish'", bad);
    }

    private static async Task<(int Exit, string Output)> BashAsync(string script)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, (await stdout + await stderr).Trim());
    }
}
