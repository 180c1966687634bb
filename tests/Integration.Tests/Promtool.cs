using System.Diagnostics;

namespace Fleet.Integration.Tests;

/// <summary>
/// Prometheus's own checker (<c>promtool</c>, from Debian's prometheus package; <c>./fleet setup</c> installs it).
/// Absent on a machine without it: callers still assert what they can without it.
/// </summary>
public static class Promtool
{
    public static string? Binary { get; } = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);

    /// <summary>Runs promtool with <paramref name="args"/> and <paramref name="stdin"/>; the exit code and everything it said.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(Binary ?? throw new InvalidOperationException("promtool is not installed"))
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, (await stdout + await stderr).Trim());
    }
}
