namespace Fleet.Shared.Rendering;

/// <summary>What varies per render: field values (headline, cta, price…), the spoken line as a WAV, the grade and the encoder.</summary>
public sealed record RenderRequest
{
    public required IReadOnlyDictionary<string, string> Fields { get; init; }
    /// <summary>WAV of the voice line; null renders music only (captions-only fallback).</summary>
    public string? VoiceWav { get; init; }
    /// <summary>
    /// The voice line still being spoken, in place of <see cref="VoiceWav"/>: completes with its WAV, or with null when there
    /// will be none (captions only). The fast path starts its video step at once and mixes the audio when it arrives.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Task<string?>? PendingVoice { get; init; }
    /// <summary>Whether a voice is given or on its way.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool ExpectsVoice => VoiceWav is not null || PendingVoice is not null;
    /// <summary>The voice's WAV, waiting for it if it is still being spoken; null when there is none.</summary>
    public async Task<string?> VoiceAsync() => VoiceWav ?? (PendingVoice is { } pending ? await pending.ConfigureAwait(false) : null);
    public string Grade { get; init; } = GradePresets.Neutral;
    /// <summary>Encoder to use; null means the prepared template's own settings (the fast path).</summary>
    public EncoderSettings? Encoder { get; init; }
}

/// <summary>
/// A render broken into files to write and ffmpeg runs; the last run writes <see cref="TempOutput"/>. With
/// <see cref="Feeds"/> and <see cref="Audio"/> (fast path), the steps may run side by side: the last reads named pipes that
/// the first step writes itself or that are fed the earlier steps' outputs as each finishes (or, where pipes are
/// unavailable, the steps run in order and the pipes are plain files).
/// </summary>
public sealed record RenderPlan(RenderPath Path, string Encoder, IReadOnlyList<PlannedFile> Files, IReadOnlyList<FfmpegStep> Steps, string TempOutput,
    IReadOnlyList<PipeFeed>? Feeds = null, AudioFeed? Audio = null)
{
    /// <summary>The concat list among <see cref="Files"/> (fast path only).</summary>
    public PlannedFile? ConcatList => Files.FirstOrDefault(f => f.Path.EndsWith(".ffconcat", StringComparison.Ordinal));
}

/// <summary>
/// Write <paramref name="Sources"/> (made by the first step or prepared), in order, into the pipe <paramref name="Pipe"/> (read
/// by the last); no sources: the first step writes into the pipe itself.
/// </summary>
public sealed record PipeFeed(string Pipe, IReadOnlyList<string> Sources)
{
    public bool WrittenByStep => Sources.Count == 0;
}

/// <summary>
/// The fast path's audio track as the assemble step reads it from <paramref name="Pipe"/> (ADTS). Without a mix, the
/// prepared <paramref name="Bed"/> whole. With one: the bed's frames up to the <paramref name="Splice"/>, then the frames of
/// <paramref name="Mixed"/> (written by the mix step from the voice the engine puts at <paramref name="Voice"/>) after its
/// dropped ones; or, when no voice comes after all, the rest of the bed. With a <paramref name="ResumeFrame"/>, the mixed
/// frames stop where that bed frame would be and the bed's own frames follow. No splice: the mix is the whole track.
/// </summary>
public sealed record AudioFeed(string Pipe, string Bed, string? Mixed = null, AudioSplice? Splice = null, string? Voice = null,
    int? ResumeFrame = null);

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
