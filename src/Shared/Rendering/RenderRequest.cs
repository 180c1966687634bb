namespace Fleet.Shared.Rendering;

/// <summary>What varies per render: field values (headline, cta, price…), the spoken line as a WAV, the grade and the encoder.</summary>
public sealed record RenderRequest
{
    public required IReadOnlyDictionary<string, string> Fields { get; init; }
    /// <summary>WAV of the voice line; null renders music only (captions-only fallback).</summary>
    public string? VoiceWav { get; init; }
    public string Grade { get; init; } = GradePresets.Neutral;
    /// <summary>Encoder to use; null means the prepared template's own settings (the fast path).</summary>
    public EncoderSettings? Encoder { get; init; }
}

/// <summary>A render broken into files to write and ffmpeg runs, in order; the last run writes <see cref="TempOutput"/>.</summary>
public sealed record RenderPlan(RenderPath Path, string Encoder, IReadOnlyList<PlannedFile> Files, IReadOnlyList<FfmpegStep> Steps, string TempOutput);

/// <summary>A UTF-8 file the plan needs on disk before ffmpeg runs (drawtext sources, concat lists).</summary>
public sealed record PlannedFile(string Path, string Content);

/// <summary>One ffmpeg process: a name for timings and its exact argument list.</summary>
public sealed record FfmpegStep(string Name, IReadOnlyList<string> Arguments);

/// <summary>How a render was produced.</summary>
public enum RenderPath
{
    /// <summary>Only personalised ranges re-encoded; the rest stream-copied.</summary>
    Fast,
    /// <summary>Whole clip decoded, drawn and re-encoded (benchmark baseline, or an encoder the template was not prepared with).</summary>
    Full,
}
