using System.Text.RegularExpressions;

namespace Fleet.Shared.Rendering;

/// <summary>Finds the H.264 encoders this machine can really use: listed is not usable, so hardware ones must encode a clip.</summary>
public sealed partial class EncoderProbe(FfmpegRunner runner)
{
    /// <summary>Hardware encoders in order of preference.</summary>
    public static readonly IReadOnlyList<string> HardwareCandidates = new[] { "h264_v4l2m2m", "h264_vaapi", "h264_nvenc", "h264_qsv" };

    /// <summary>Encoder names from <c>ffmpeg -encoders</c>.</summary>
    public async Task<IReadOnlySet<string>> ListAsync(CancellationToken ct = default)
    {
        var r = await runner.RunAsync(new[] { "-encoders" }, ct, captureStdout: true).ConfigureAwait(false);
        return EncoderLine().Matches(r.Stdout).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Usable encoders, hardware first, then libx264; each hardware one has finished a real tiny encode.</summary>
    public async Task<EncoderProbeResult> ProbeAsync(CancellationToken ct = default)
    {
        var listed = await ListAsync(ct).ConfigureAwait(false);
        var usable = new List<string>();
        var rejected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in HardwareCandidates.Where(listed.Contains))
        {
            var why = await TryEncodeAsync(EncoderSettings.For(name), ct).ConfigureAwait(false);
            if (why is null) usable.Add(name); else rejected[name] = why;
        }
        if (listed.Contains("libx264")) usable.Add("libx264");
        return new EncoderProbeResult(usable, rejected);
    }

    private async Task<string?> TryEncodeAsync(EncoderSettings enc, CancellationToken ct)
    {
        var args = new List<string>(enc.GlobalArgs()) { "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=0.2", "-vf", enc.FilterSuffix };
        args.AddRange(enc.VideoArgs(30));
        args.AddRange(new[] { "-frames:v", "5", "-f", "null", "-" });
        try
        {
            await runner.RunAsync(args, ct).ConfigureAwait(false);
            return null;
        }
        catch (FfmpegFailedException e)
        {
            var line = e.StderrTail.Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim();
            return line ?? $"exit {e.FfmpegExitCode}";
        }
    }

    [GeneratedRegex(@"^\s*V[A-Z.]{5}\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex EncoderLine();
}

/// <summary>Probe outcome: usable encoders in preference order and why each rejected hardware encoder failed.</summary>
public sealed record EncoderProbeResult(IReadOnlyList<string> Usable, IReadOnlyDictionary<string, string> Rejected);
