using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Fleet.Edge.Bench;

/// <summary>
/// Checks a rendered ad with ffprobe/ffmpeg: frame count and duration against the template, an audio stream, a clean
/// decode, and SSIM of the untouched (stream-copied) frames against the prepared hero.
/// </summary>
public static partial class OutputCheck
{
    public sealed record Report(int Frames, int ExpectedFrames, double DurationSeconds, double ExpectedSeconds, bool HasAudio,
        bool DecodesCleanly, double UntouchedSsim, bool Passed);

    [GeneratedRegex(@"All:(?<v>[0-9.]+)")]
    private static partial Regex SsimAll();

    public static async Task<Report> RunAsync(string mp4, string preparedHero, int expectedFrames, int fps, int untouchedFrames)
    {
        var frames = int.Parse((await Run("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", mp4)).Out.Trim());
        var duration = double.Parse((await Run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", mp4)).Out.Trim(), CultureInfo.InvariantCulture);
        var audio = (await Run("ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=codec_type", "-of", "csv=p=0", mp4)).Out.Contains("audio");
        var decode = await Run("ffmpeg", "-v", "error", "-i", mp4, "-f", "null", "-");
        var ssimRun = await Run("ffmpeg", "-hide_banner", "-i", mp4, "-i", preparedHero, "-lavfi",
            $"[0:v]trim=end_frame={untouchedFrames},setpts=PTS-STARTPTS[a];[1:v]trim=end_frame={untouchedFrames},setpts=PTS-STARTPTS[b];[a][b]ssim", "-f", "null", "-");
        var m = SsimAll().Match(ssimRun.Err);
        var ssim = m.Success ? double.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture) : 0;
        var expectedSeconds = (double)expectedFrames / fps;
        var passed = frames == expectedFrames && Math.Abs(duration - expectedSeconds) <= 1.0 / fps + 0.03 && audio
                     && decode.Code == 0 && decode.Err.Trim().Length == 0 && ssim >= 0.999999;
        return new Report(frames, expectedFrames, duration, expectedSeconds, audio, decode.Code == 0 && decode.Err.Trim().Length == 0, ssim, passed);
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
