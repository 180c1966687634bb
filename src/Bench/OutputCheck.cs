using System.Globalization;
using Fleet.Shared.Rendering;

namespace Fleet.Bench;

/// <summary>
/// Checks a rendered ad with ffprobe/ffmpeg: frame count and duration against the template, an audio stream, a clean
/// decode, and that the untouched (stream-copied) frames are bit-identical to the prepared hero (decoded-frame MD5s, a
/// stricter test than SSIM = 1.0: ffmpeg's ssim filter pairs frames by timestamp and reports 0.99x across an edit list).
/// </summary>
public static class OutputCheck
{
    public sealed record Report(int Frames, int ExpectedFrames, double DurationSeconds, double ExpectedSeconds, bool HasAudio,
        bool DecodesCleanly, int UntouchedIdentical, int UntouchedFrames, bool Passed);

    public static async Task<Report> RunAsync(FfmpegRunner runner, string mp4, string preparedHero, int expectedFrames, int fps, int untouchedFrames)
    {
        var facts = await MediaFacts.ReadAsync(runner, mp4, countFrames: true);
        var frames = facts.VideoFrames ?? 0;
        var duration = facts.Duration.TotalSeconds;
        var decodesCleanly = await DecodesCleanlyAsync(runner, mp4);
        var rendered = await FrameHashes(runner, mp4, untouchedFrames);
        var hero = await FrameHashes(runner, preparedHero, untouchedFrames);
        var identical = rendered.Zip(hero, (a, b) => a == b).Count(same => same);
        var expectedSeconds = (double)expectedFrames / fps;
        var passed = frames == expectedFrames && Math.Abs(duration - expectedSeconds) <= 1.0 / fps + 0.03 && facts.HasAudio
                     && decodesCleanly && identical == untouchedFrames;
        return new Report(frames, expectedFrames, duration, expectedSeconds, facts.HasAudio, decodesCleanly, identical, untouchedFrames, passed);
    }

    /// <summary>Whether every stream decodes with nothing on stderr (the runner runs ffmpeg at <c>-v error</c>).</summary>
    private static async Task<bool> DecodesCleanlyAsync(FfmpegRunner runner, string file)
    {
        try { return (await runner.RunAsync(["-i", file, "-f", "null", "-"])).StderrTail.Length == 0; }
        catch (FfmpegFailedException) { return false; }
    }

    // A file that does not decode hashes to nothing, so it fails the comparison rather than the whole check.
    private static async Task<IReadOnlyList<string>> FrameHashes(FfmpegRunner runner, string file, int frames)
    {
        FfmpegResult run;
        try
        {
            run = await runner.RunAsync(["-i", file, "-map", "0:v:0", "-frames:v", frames.ToString(CultureInfo.InvariantCulture), "-f", "framemd5", "-"],
                captureStdout: true);
        }
        catch (FfmpegFailedException) { return []; }
        return run.Stdout.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(',')[^1].Trim()).ToList();
    }
}
