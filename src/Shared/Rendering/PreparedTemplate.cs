using System.Text.Json.Serialization;

namespace Fleet.Shared.Rendering;

/// <summary>
/// A template after import (<c>prepared.json</c> in its folder): normalised footage pre-cut at keyframes, the music bed as
/// PCM of exactly the template's length, and the encoder settings every re-encoded range must reuse.
/// </summary>
public sealed record PreparedTemplate
{
    public const string DescriptorFile = "prepared.json";
    public const int FormatVersion = 2;

    public int Version { get; init; } = FormatVersion;
    public required string HeroSha256 { get; init; }
    public required TemplateSpec Template { get; init; }
    public required EncoderSettings Encoder { get; init; }
    /// <summary>Full normalised clip (template size, fps, closed GOPs); input of the naive and full-encode paths.</summary>
    public required string NormalisedVideo { get; init; }
    /// <summary>Music bed as 48 kHz stereo PCM, padded or cut to the template's duration.</summary>
    public required string MusicWav { get; init; }
    public required IReadOnlyList<PreparedSegment> Segments { get; init; }
    /// <summary>Image and font assets the layers use, by asset name, as file names inside the folder.</summary>
    public IReadOnlyDictionary<string, string> Assets { get; init; } = new Dictionary<string, string>();

    /// <summary>The folder this descriptor was read from; file names above are relative to it.</summary>
    [JsonIgnore]
    public string Directory { get; init; } = "";

    public string PathOf(string fileName) => Path.Combine(Directory, fileName);
}

/// <summary>One cut of the normalised clip: untouched (stream-copied) or personalised (re-encoded per render).</summary>
public sealed record PreparedSegment
{
    public required int StartFrame { get; init; }
    public required int EndFrame { get; init; }
    public required bool Personalised { get; init; }
    /// <summary>
    /// File name of the cut, starting on a keyframe: raw H.264 (Annex B) for untouched ranges, ready to stream-copy;
    /// MP4 for personalised ranges, the footage a render decodes and draws on.
    /// </summary>
    public required string File { get; init; }
    /// <summary>
    /// Set when a personalised range is a still plate (every frame the same, e.g. an end card): the raw P-frames of one
    /// GOP of it, verified to be pure copies of whatever keyframe precedes them. A render then encodes only the keyframe
    /// with its text and follows it with these frames, instead of encoding every frame again.
    /// </summary>
    public string? StillSkipFrames { get; init; }

    [JsonIgnore]
    public int Frames => EndFrame - StartFrame;
}
