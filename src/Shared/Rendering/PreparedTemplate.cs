using System.Text.Json.Serialization;

namespace Fleet.Shared.Rendering;

/// <summary>
/// A template after import (<c>prepared.json</c> in its folder): normalised footage pre-cut at keyframes, the music bed as
/// PCM of exactly the template's length and once encoded, and the encoder settings every re-encoded range must reuse.
/// </summary>
public sealed record PreparedTemplate
{
    public const string DescriptorFile = "prepared.json";
    public const int FormatVersion = 3;

    public int Version { get; init; } = FormatVersion;
    public required string HeroSha256 { get; init; }
    public required TemplateSpec Template { get; init; }
    public required EncoderSettings Encoder { get; init; }
    /// <summary>Full normalised clip (template size, fps, closed GOPs); input of the naive and full-encode paths.</summary>
    public required string NormalisedVideo { get; init; }
    /// <summary>Music bed as 48 kHz stereo PCM, padded or cut to the template's duration.</summary>
    public required string MusicWav { get; init; }
    /// <summary>The music bed alone (no voice), encoded once as AAC in ADTS frames: the whole audio track of a render without a voice.</summary>
    public required string MusicAac { get; init; }
    /// <summary>Where a render's voice mix takes over from <see cref="MusicAac"/>; null when the voice starts too early to splice.</summary>
    public AudioSplice? VoiceSplice { get; init; }
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

/// <summary>
/// The seam between the prepared music track and a render's voice mix. The first <see cref="PrefixFrames"/> AAC frames of
/// <see cref="PreparedTemplate.MusicAac"/> (the first is the encoder's priming) decode to samples [0, <see cref="Sample"/>).
/// A render mixes and encodes only from <see cref="EncodeFrom"/> on, drops its first <see cref="DropFrames"/> frames and
/// appends the rest after those: the music is the same on both sides of the seam, so the decoder's overlap of the last
/// prepared frame and the first mixed frame cancels as within one encode.
/// </summary>
public sealed record AudioSplice(int PrefixFrames)
{
    /// <summary>Frames the mix encodes ahead of the seam so its encoder has settled; they are dropped with its priming frame.</summary>
    public const int PrerollFrames = 2;

    [JsonIgnore]
    public int Sample => (PrefixFrames - 1) * Adts.FrameSamples;

    [JsonIgnore]
    public int EncodeFrom => Sample - PrerollFrames * Adts.FrameSamples;

    [JsonIgnore]
    public int DropFrames => PrerollFrames + 1;

    /// <summary>Frames the mix encodes past the last one kept, so that one was encoded with the music after it, as in one encode.</summary>
    public const int PostrollFrames = 1;

    /// <summary>
    /// The prepared frame the track goes back to once the voice and its ducking are over, so the mix encodes only the
    /// voice's span: the music is the same on both sides of this seam too. Bed frame k decodes from the windows of frames
    /// k-1 and k, and frame k's window starts at sample (k-1)·1024: the first frame whose window starts after the voice, one
    /// later for margin. Null when the clip ends before that frame's window does: the mix then runs to the end.
    /// </summary>
    public int? ResumeFrame(TemplateSpec t)
    {
        if (t.Voice is not { } voice) return null;
        var voiceEnd = (long)(voice.StartFrame + voice.MaxFrames) * FilterGraph.SampleRate / t.Fps;
        var clipEnd = (long)t.DurationFrames * FilterGraph.SampleRate / t.Fps;
        var frame = (int)((voiceEnd + Adts.FrameSamples - 1) / Adts.FrameSamples) + 2;
        return (long)(frame + 1) * Adts.FrameSamples <= clipEnd ? frame : null;
    }

    /// <summary>The mix's frame that plays where the bed's frame <paramref name="bedFrame"/> would (from the seam on).</summary>
    public int MixedFrameAt(int bedFrame) => DropFrames + bedFrame - PrefixFrames;

    /// <summary>How many frames the mix writes when the track resumes at <paramref name="resumeFrame"/>.</summary>
    public int MixFramesUntil(int resumeFrame) => MixedFrameAt(resumeFrame) + PostrollFrames;

    /// <summary>
    /// The seam for a voice that starts at <paramref name="voiceStartSample"/>: the last prefix frame's window must end
    /// before the voice (or its ducking) begins. Null when that leaves no room for the preroll.
    /// </summary>
    public static AudioSplice? Before(int voiceStartSample)
    {
        var frames = voiceStartSample / Adts.FrameSamples;
        return frames >= PrerollFrames + 1 ? new AudioSplice(frames) : null;
    }
}
