using System.Diagnostics;
using System.Globalization;

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

    public static async Task<Report> RunAsync(string mp4, string preparedHero, int expectedFrames, int fps, int untouchedFrames)
    {
        var frames = int.Parse((await Run("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", mp4)).Out.Trim());
        var duration = double.Parse((await Run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", mp4)).Out.Trim(), CultureInfo.InvariantCulture);
        var audio = (await Run("ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=codec_type", "-of", "csv=p=0", mp4)).Out.Contains("audio");
        var decode = await Run("ffmpeg", "-v", "error", "-i", mp4, "-f", "null", "-");
        var rendered = await FrameHashes(mp4, untouchedFrames);
        var hero = await FrameHashes(preparedHero, untouchedFrames);
        var identical = rendered.Zip(hero, (a, b) => a == b).Count(same => same);
        var expectedSeconds = (double)expectedFrames / fps;
        var passed = frames == expectedFrames && Math.Abs(duration - expectedSeconds) <= 1.0 / fps + 0.03 && audio
                     && decode.Code == 0 && decode.Err.Trim().Length == 0 && identical == untouchedFrames;
        return new Report(frames, expectedFrames, duration, expectedSeconds, audio, decode.Code == 0 && decode.Err.Trim().Length == 0,
            identical, untouchedFrames, passed);
    }

    private static async Task<IReadOnlyList<string>> FrameHashes(string file, int frames)
    {
        var run = await Run("ffmpeg", "-v", "error", "-i", file, "-map", "0:v:0", "-frames:v", frames.ToString(CultureInfo.InvariantCulture), "-f", "framemd5", "-");
        return run.Out.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(',')[^1].Trim()).ToList();
    }

    private static async Task<(int Code, string Out, string Err)> Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }
}
