using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Rendering;

/// <summary>The one seam to the ffmpeg binary: argument lists only (never a shell), a timeout, and cancellation that kills.</summary>
public sealed class FfmpegRunner
{
    private const int StderrTailChars = 1500;

    public FfmpegRunner(string? binaryPath = null, TimeSpan? timeout = null)
    {
        BinaryPath = string.IsNullOrWhiteSpace(binaryPath) ? "ffmpeg" : binaryPath;
        Timeout = timeout ?? TimeSpan.FromSeconds(60);
    }

    /// <summary>Path or bare name (looked up on PATH) of ffmpeg.</summary>
    public string BinaryPath { get; }

    public TimeSpan Timeout { get; }

    /// <summary>Runs ffmpeg with <paramref name="arguments"/> after the fixed quiet prefix; throws on failure with the stderr tail.</summary>
    public async Task<FfmpegResult> RunAsync(IEnumerable<string> arguments, CancellationToken ct = default, bool captureStdout = false)
    {
        var psi = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in new[] { "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y" }) psi.ArgumentList.Add(a);
        foreach (var a in arguments) psi.ArgumentList.Add(a);

        var sw = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        try
        {
            if (!process.Start()) throw new FfmpegMissingException(BinaryPath, "process did not start");
        }
        catch (Win32Exception e)
        {
            throw new FfmpegMissingException(BinaryPath, e.Message);
        }

        var stdoutTask = captureStdout ? process.StandardOutput.ReadToEndAsync(CancellationToken.None) : DrainAsync(process.StandardOutput);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeoutCts = new CancellationTokenSource(Timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            throw new FfmpegFailedException($"ffmpeg timed out after {Timeout.TotalSeconds:0.#} s", -1, Tail(await stderrTask.ConfigureAwait(false)));
        }
        var stderr = await stderrTask.ConfigureAwait(false);
        var stdout = await stdoutTask.ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new FfmpegFailedException($"ffmpeg exited with {process.ExitCode}", process.ExitCode, Tail(stderr));
        return new FfmpegResult(sw.Elapsed, stdout, Tail(stderr));
    }

    private static async Task<string> DrainAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        while (await reader.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false) > 0) { }
        return "";
    }

    private static void Kill(Process p)
    {
        try { p.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already exited
    }

    private static string Tail(string s)
    {
        var t = s.Trim();
        return t.Length <= StderrTailChars ? t : t[^StderrTailChars..];
    }
}

/// <summary>A finished ffmpeg run: wall time, captured stdout (when asked for) and whatever it said on stderr.</summary>
public sealed record FfmpegResult(TimeSpan Elapsed, string Stdout, string StderrTail);

/// <summary>ffmpeg could not be started at all (missing binary, no permission).</summary>
public sealed class FfmpegMissingException(string path, string detail)
    : FleetException($"ffmpeg not available at '{path}': {detail}");

/// <summary>ffmpeg ran and failed; the message carries the last lines of its stderr.</summary>
public sealed class FfmpegFailedException(string message, int exitCode, string stderrTail)
    : FleetException(stderrTail.Length == 0 ? message : $"{message}: {OneLine(stderrTail)}")
{
    public int ExitCode { get; } = exitCode;
    public string StderrTail { get; } = stderrTail;

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');
}
