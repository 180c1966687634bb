using System.Diagnostics;
using Fleet.Shared.Cli;

namespace Fleet.Bench;

/// <summary>A short command a benchmark or the soak runs to its end: a script, or the <c>fleet-cloud</c> operator CLI.</summary>
public static class ChildProcess
{
    public sealed record Result(int ExitCode, string Out, string Err);

    public static async Task<Result> RunAsync(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return new Result(p.ExitCode, output, await err);
    }

    /// <summary>Runs it and returns its output; a non-zero exit is one error with its first words and its stderr.</summary>
    public static async Task<string> CheckedAsync(string program, params string[] args)
    {
        var r = await RunAsync(program, args);
        if (r.ExitCode != 0) throw new FleetException($"{program} {string.Join(' ', args.Take(3))} failed: {r.Err.Trim()}");
        return r.Out;
    }

    /// <summary>The <c>fleet-cloud</c> CLI (<paramref name="cloudDll"/>) with these arguments.</summary>
    public static Task<string> CloudCliAsync(string cloudDll, params string[] args) => CheckedAsync("dotnet", [cloudDll, .. args]);
}
