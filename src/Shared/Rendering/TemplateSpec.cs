using System.Text.Json.Serialization;

namespace Fleet.Shared.Rendering;

/// <summary>A video template (<c>template.json</c>): canvas, timing in frames, layers, the voice line and personalised ranges.</summary>
public sealed record TemplateSpec
{
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required int Fps { get; init; }
    /// <summary>Total length in frames; frame indexes are the only unit of time so that cuts and enables are exact.</summary>
    public required int DurationFrames { get; init; }
    /// <summary>Asset name of the hero footage the template is built on.</summary>
    public required string BaseVideo { get; init; }
    /// <summary>Asset name of the music bed; absent means silence under the voice.</summary>
    public string? Music { get; init; }
    public double MusicVolume { get; init; } = 1.0;
    public IReadOnlyList<LayerSpec> Layers { get; init; } = Array.Empty<LayerSpec>();
    public VoiceLineSpec? Voice { get; init; }
    /// <summary>Grade preset names this template allows (see <see cref="GradePresets"/>).</summary>
    public IReadOnlyList<string> Grades { get; init; } = new[] { "neutral" };
    /// <summary>Frame ranges that change per render; everything else is stream-copied untouched.</summary>
    public required IReadOnlyList<FrameRange> Personalised { get; init; }
    /// <summary>
    /// Fields that hold personal data (e.g. <c>first_name</c>, <c>loyalty_id</c>): their values never leave the device, so a
    /// render that draws one is never delegated whole; it goes hybrid (see <see cref="RenderJobs.PersonalFields"/>).
    /// </summary>
    public IReadOnlyList<string> Pii { get; init; } = Array.Empty<string>();

    [JsonIgnore]
    public double DurationSeconds => (double)DurationFrames / Fps;
}

/// <summary>Half-open frame interval [start_frame, end_frame).</summary>
public sealed record FrameRange(int StartFrame, int EndFrame)
{
    [JsonIgnore]
    public int Frames => EndFrame - StartFrame;
    public bool Contains(FrameRange other) => other.StartFrame >= StartFrame && other.EndFrame <= EndFrame;
}

public enum LayerType { Text, Image }

/// <summary>One overlay: text bound to fields (<c>{{headline}}</c>) or an image asset, visible over a frame range.</summary>
public sealed record LayerSpec
{
    public required LayerType Type { get; init; }
    /// <summary>Text with field slots, e.g. <c>"{{cta}}"</c>; text layers only.</summary>
    public string? Text { get; init; }
    /// <summary>Asset name of the image; image layers only.</summary>
    public string? Asset { get; init; }
    public required int StartFrame { get; init; }
    public required int EndFrame { get; init; }
    /// <summary>Left edge in pixels; absent centres the layer horizontally.</summary>
    public int? X { get; init; }
    public required int Y { get; init; }
    public int FontSize { get; init; } = 48;
    public string FontColor { get; init; } = "white";
    /// <summary>Asset name of a TrueType font; absent uses DejaVu Sans Bold.</summary>
    public string? Font { get; init; }
    public TextBox? Box { get; init; }

    [JsonIgnore]
    public FrameRange Range => new(StartFrame, EndFrame);
}

/// <summary>A filled box behind text.</summary>
public sealed record TextBox(string Color = "black@0.6", int Border = 12);

/// <summary>The spoken line: text with slots, where it starts, its longest allowed length and how far the music ducks under it.</summary>
public sealed record VoiceLineSpec
{
    public required string Line { get; init; }
    public required int StartFrame { get; init; }
    public required int MaxFrames { get; init; }
    /// <summary>Music gain while the voice slot is open (1 = no ducking).</summary>
    public double DuckTo { get; init; } = 0.3;
}
