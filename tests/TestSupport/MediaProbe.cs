using System.Globalization;
using System.Text.Json;

namespace Fleet.TestSupport;

/// <summary>Test-side facts about an MP4, read with ffprobe/ffmpeg (fine off the hot path).</summary>
public static class MediaProbe
{
    public sealed record Facts(int VideoPackets, double VideoDuration, bool HasAudio, double AudioDuration, string? VideoProfile);

    public static Facts Read(string path)
    {
        var json = SampleCampaignFixture.Run("ffprobe", "-v", "error", "-count_packets", "-show_streams", "-of", "json", path);
        using var doc = JsonDocument.Parse(json);
        int packets = 0; double vd = 0, ad = 0; var audio = false; string? profile = null;
        foreach (var s in doc.RootElement.GetProperty("streams").EnumerateArray())
        {
            var type = s.GetProperty("codec_type").GetString();
            var duration = s.TryGetProperty("duration", out var d) ? double.Parse(d.GetString()!, CultureInfo.InvariantCulture) : 0;
            if (type == "video")
            {
                packets = int.Parse(s.GetProperty("nb_read_packets").GetString()!, CultureInfo.InvariantCulture);
                vd = duration;
                profile = s.TryGetProperty("profile", out var p) ? p.GetString() : null;
            }
            else if (type == "audio") { audio = true; ad = duration; }
        }
        return new Facts(packets, vd, audio, ad, profile);
    }

    /// <summary>MD5 of each decoded video frame, in order (framemd5 of the first video stream).</summary>
    public static List<string> FrameHashes(string path, int? frames = null)
    {
        var args = new List<string> { "-v", "error", "-i", path, "-map", "0:v:0" };
        if (frames is { } n) args.AddRange(new[] { "-frames:v", n.ToString(CultureInfo.InvariantCulture) });
        args.AddRange(new[] { "-f", "framemd5", "-" });
        return SampleCampaignFixture.Run("ffmpeg", args.ToArray()).Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l[(l.LastIndexOf(',') + 1)..].Trim()).ToList();
    }

    /// <summary>The first audio stream decoded as it plays (edit list applied) to 48 kHz stereo 16-bit samples, interleaved.</summary>
    public static short[] AudioSamples(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-v", "error", "-i", path, "-map", "0:a:0", "-ar", "48000", "-ac", "2", "-f", "s16le", "-" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        using var pcm = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(pcm);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not decode the audio of {path}: {err.Result}");
        var bytes = pcm.ToArray();
        var samples = new short[bytes.Length / 2];
        Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * 2);
        return samples;
    }

    /// <summary>Errors ffmpeg reports while decoding every stream; empty when the file is clean.</summary>
    public static string DecodeErrors(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-v", "error", "-i", path, "-f", "null", "-" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? err.Trim() : $"exit {p.ExitCode}: {err}";
    }
}
