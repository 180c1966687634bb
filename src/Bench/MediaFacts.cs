using System.Globalization;
using System.Text.Json;
using FFMpegCore;
using FFMpegCore.Exceptions;
using Fleet.Shared.Cli;
using Fleet.Shared.Rendering;

namespace Fleet.Bench;

/// <summary>
/// What ffprobe says about a finished media file, read through FFMpegCore. A probe costs ~230 ms, so this serves checks
/// made after the timing (the benchmark's output check), never a render's hot path.
/// </summary>
public sealed record MediaFacts(TimeSpan Duration, int Width, int Height, int? VideoFrames, bool HasAudio)
{
    /// <summary>
    /// Probes <paramref name="path"/> with the ffprobe beside <paramref name="runner"/>'s ffmpeg. <paramref name="countFrames"/>
    /// decodes the file to count the first video stream's frames (seconds on a long file); without it VideoFrames is null.
    /// </summary>
    public static async Task<MediaFacts> ReadAsync(FfmpegRunner runner, string path, bool countFrames = false, CancellationToken ct = default)
    {
        // FFMpegCore hands ffprobe one command line with the path inside double quotes, which such a path would end or escape.
        if (path.Contains('"') || path.EndsWith('\\')) throw new FleetException($"cannot probe {path}: '\"' or a trailing '\\' in the path");
        if (!File.Exists(path)) throw new FleetException($"cannot probe {path}: no such file");
        var options = FfprobeBinary.OptionsFor(runner);
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, options, customArguments: countFrames ? "-count_frames" : null, cancellationToken: ct)
                .ConfigureAwait(false);
        }
        catch (FFProbeProcessException e)
        {
            throw new FfprobeFailedException(e.ExitCode, e.StandardError);
        }
        catch (Exception e) when (FfprobeBinary.IsStartFailure(e))
        {
            throw new FfprobeMissingException(GlobalFFOptions.GetFFProbeBinaryPath(options), e.Message);
        }
        var video = analysis.PrimaryVideoStream;
        return new MediaFacts(analysis.Format.Duration, video?.Width ?? 0, video?.Height ?? 0,
            countFrames && video is not null ? ReadFrames(analysis, video.Index) : null, analysis.PrimaryAudioStream is not null);
    }

    // FFMpegCore maps no frame count: ffprobe's nb_read_frames arrives among the stream's unmapped fields.
    private static int ReadFrames(IMediaAnalysis analysis, int streamIndex)
    {
        var stream = analysis.Raw.Streams.First(s => s.Index == streamIndex);
        if (stream.ExtensionData is null || !stream.ExtensionData.TryGetValue("nb_read_frames", out var n))
            throw new FleetException($"cannot probe {analysis.Path}: ffprobe counted no frames");
        return n.ValueKind == JsonValueKind.Number ? n.GetInt32() : int.Parse(n.GetString()!, CultureInfo.InvariantCulture);
    }
}

/// <summary>ffprobe ran and failed; the message carries its last stderr line.</summary>
public sealed class FfprobeFailedException(int exitCode, IReadOnlyList<string> stderr)
    : FleetException(LastLine(stderr) is { } line ? $"ffprobe exited with {exitCode}: {line}" : $"ffprobe exited with {exitCode}")
{
    public int FfprobeExitCode { get; } = exitCode;

    private static string? LastLine(IReadOnlyList<string> stderr) =>
        stderr.SelectMany(l => l.Split('\n')).Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
}
