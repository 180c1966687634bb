using System.ComponentModel;
using FFMpegCore;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;
using Fleet.Shared.Rendering;

namespace Fleet.Bench;

/// <summary>
/// Where FFMpegCore runs ffprobe: beside the ffmpeg a runner was given, or on PATH when that is a bare name, as Fleet
/// finds ffmpeg itself. FFMpegCore's options are process-wide, so they are set once, from the first runner that probes;
/// a runner whose ffprobe lives elsewhere gets options of its own for its calls.
/// </summary>
internal static class FfprobeBinary
{
    private static readonly Lock Gate = new();
    private static string? _globalFolder;

    /// <summary>Options naming an ffprobe that exists; throws <see cref="FfprobeMissingException"/> when there is none.</summary>
    public static FFOptions OptionsFor(FfmpegRunner runner)
    {
        var wanted = runner.BinaryPath.Contains('/')
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(runner.BinaryPath))!, "ffprobe")
            : "ffprobe";
        // Resolved here because FFMpegCore quietly falls back to PATH when its folder lacks ffprobe: a wrong --ffmpeg
        // folder must be an error, not some other ffprobe.
        var ffprobe = ChildProcesses.Resolve(wanted) ?? throw new FfprobeMissingException(wanted, "no such file");
        var folder = Path.GetDirectoryName(ffprobe)!;
        lock (Gate)
        {
            if (_globalFolder is null)
            {
                GlobalFFOptions.Configure(new FFOptions { BinaryFolder = folder });
                _globalFolder = folder;
            }
            return _globalFolder == folder ? GlobalFFOptions.Current : new FFOptions { BinaryFolder = folder };
        }
    }

    /// <summary>FFMpegCore's own failures to start ffprobe (not executable, <c>-version</c> failed), as Fleet's error.</summary>
    public static bool IsStartFailure(Exception e) =>
        e is Win32Exception || (e is FFMpegCore.Exceptions.FFProbeException && e is not FFMpegCore.Exceptions.FFProbeProcessException);
}

/// <summary>ffprobe could not be started at all (missing binary, no permission).</summary>
public sealed class FfprobeMissingException(string path, string detail)
    : FleetException($"ffprobe not available at '{path}': {detail}");
