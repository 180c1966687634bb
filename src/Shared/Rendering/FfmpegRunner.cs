using System.ComponentModel;
using System.Diagnostics;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;

namespace Fleet.Shared.Rendering;

/// <summary>The one seam to the ffmpeg binary: argument lists only (never a shell), a timeout, and cancellation that kills.</summary>
/// <remarks>
/// Not FFMpegCore's FFMpegArguments: it starts ffmpeg itself from one joined command-line string, so its ffmpeg could be
/// neither forked from <see cref="ChildProcesses"/>' spawner thread under <c>setpriv --pdeathsig</c> (a warm step would
/// outlive a killed agent) nor left running as a handle for the warm steps' named pipes (<see cref="Start"/>).
/// </remarks>
public sealed class FfmpegRunner
{
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
        using var process = Start(arguments, captureStdout);
        return await process.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Starts ffmpeg and returns at once; the timeout only counts from <see cref="FfmpegProcess.WaitAsync"/>.</summary>
    public FfmpegProcess Start(IEnumerable<string> arguments, bool captureStdout = false)
    {
        var psi = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in new[] { "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y" }) psi.ArgumentList.Add(a);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            // Never outlives the agent: a warm assembler blocked on its pipe would otherwise wait forever after a crash.
            process = ChildProcesses.Start(psi);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            throw new FfmpegMissingException(BinaryPath, e.Message);
        }
        return new FfmpegProcess(process, Timeout, captureStdout);
    }
}

/// <summary>A running ffmpeg: wait for it (with the runner's timeout), or kill it; disposing kills it if still running.</summary>
public sealed class FfmpegProcess : IDisposable
{
    private const int StderrTailChars = 1500;
    private readonly Process _process;
    private readonly TimeSpan _timeout;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    internal FfmpegProcess(Process process, TimeSpan timeout, bool captureStdout)
    {
        _process = process;
        Id = process.Id; // read once: a disposed Process no longer says, and a waiting step is checked while another thread may stop it
        _timeout = timeout;
        _stdout = captureStdout ? process.StandardOutput.ReadToEndAsync(CancellationToken.None) : DrainAsync(process.StandardOutput);
        _stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
    }

    /// <summary>
    /// Whether the process has ended; also true once this handle is disposed: a waiting step may be checked by one thread
    /// (a warm-up waiting for it to load) just as another stops it (a render that used it, or a refill that replaced it).
    /// </summary>
    public bool HasExited
    {
        get
        {
            try { return _process.HasExited; }
            catch (InvalidOperationException) { return true; } // disposed: no process is associated with it any more
        }
    }

    public int Id { get; }

    /// <summary>Waits for exit; kills on cancellation or timeout; throws <see cref="FfmpegFailedException"/> on a non-zero exit.</summary>
    public async Task<FfmpegResult> WaitAsync(CancellationToken ct = default)
    {
        using var timeoutCts = new CancellationTokenSource(_timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
        try
        {
            await _process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            throw new FfmpegFailedException($"ffmpeg timed out after {_timeout.TotalSeconds:0.#} s", -1, Tail(await _stderr.ConfigureAwait(false)));
        }
        var stderr = await _stderr.ConfigureAwait(false);
        var stdout = await _stdout.ConfigureAwait(false);
        if (_process.ExitCode != 0)
            throw new FfmpegFailedException($"ffmpeg exited with {_process.ExitCode}", _process.ExitCode, Tail(stderr));
        return new FfmpegResult(_clock.Elapsed, stdout, Tail(stderr));
    }

    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already exited
    }

    public void Dispose()
    {
        if (!HasExited) Kill();
        _process.Dispose();
    }

    private static async Task<string> DrainAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        while (await reader.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false) > 0) { }
        return "";
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
    /// <summary>ffmpeg's own exit status (not the CLI's).</summary>
    public int FfmpegExitCode { get; } = exitCode;
    public string StderrTail { get; } = stderrTail;

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');
}
