using System.Text.Json.Serialization;

namespace Fleet.Shared.Rendering;

/// <summary>
/// A template after import (<c>prepared.json</c> in its folder): normalised footage pre-cut at keyframes, the music bed as
/// PCM of exactly the template's length, and the encoder settings every re-encoded range must reuse.
/// </summary>
public sealed record PreparedTemplate
{
    public const string DescriptorFile = "prepared.json";
    public const int FormatVersion = 1;

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
    /// <summary>File name of the cut (starts on a keyframe, timestamps reset to zero).</summary>
    public required string File { get; init; }
    /// <summary>
    /// Set when every frame of a personalised range is identical (an end-card plate): then a render encodes one GOP of it
    /// and the concat step repeats that GOP, instead of encoding every frame again.
    /// </summary>
    public string? PlateGop { get; init; }

    public int Frames => EndFrame - StartFrame;
}
