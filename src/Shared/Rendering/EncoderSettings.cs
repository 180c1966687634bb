using System.Globalization;
using System.Text.Json.Serialization;

namespace Fleet.Shared.Rendering;

/// <summary>
/// Fixed video encoder settings. Prepared segments and personalised ranges must share them exactly, otherwise the
/// stream-copied parts and the re-encoded parts disagree (an ultrafast tail inside a High-profile stream, PLATFORM.md).
/// </summary>
public sealed record EncoderSettings
{
    public string Codec { get; init; } = "libx264";
    public string Preset { get; init; } = "ultrafast";
    public int Crf { get; init; } = 23;
    public string PixFmt { get; init; } = "yuv420p";
    /// <summary>Encoder threads; 0 lets the encoder choose.</summary>
    public int Threads { get; init; }

    public static EncoderSettings Default { get; } = new();

    [JsonIgnore]
    public bool IsSoftware => Codec == "libx264";

    /// <summary>Options placed before the inputs (hardware device setup).</summary>
    public IReadOnlyList<string> GlobalArgs() => Codec switch
    {
        "h264_vaapi" => new[] { "-vaapi_device", "/dev/dri/renderD128" },
        _ => Array.Empty<string>(),
    };

    /// <summary>Filter appended to the video chain so frames reach the encoder in the form it needs.</summary>
    [JsonIgnore]
    public string FilterSuffix => Codec switch
    {
        "h264_vaapi" => "format=nv12,hwupload",
        "h264_qsv" or "h264_nvenc" or "h264_v4l2m2m" => "format=nv12",
        _ => $"format={PixFmt}",
    };

    /// <summary>Encoder options with a closed GOP of exactly <paramref name="gop"/> frames so that cuts fall on keyframes.</summary>
    public IReadOnlyList<string> VideoArgs(int gop)
    {
        var g = gop.ToString(CultureInfo.InvariantCulture);
        var args = new List<string> { "-c:v", Codec };
        switch (Codec)
        {
            case "libx264":
                args.AddRange(new[] { "-preset", Preset, "-crf", Crf.ToString(CultureInfo.InvariantCulture), "-pix_fmt", PixFmt,
                    "-g", g, "-keyint_min", g, "-sc_threshold", "0", "-flags", "+cgop" });
                if (Threads > 0) args.AddRange(new[] { "-threads", Threads.ToString(CultureInfo.InvariantCulture) });
                break;
            case "h264_nvenc":
                args.AddRange(new[] { "-preset", "p1", "-g", g, "-bf", "0", "-b:v", "4M" });
                break;
            default:
                args.AddRange(new[] { "-g", g, "-bf", "0", "-b:v", "4M" });
                break;
        }
        return args;
    }

    /// <summary>Settings for a named encoder (hardware or libx264) with the default quality knobs.</summary>
    public static EncoderSettings For(string codec) => codec == "libx264" ? Default : new EncoderSettings { Codec = codec };
}
