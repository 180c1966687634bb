namespace Fleet.Shared.Rendering;

/// <summary>
/// The last two stages of a render, as the device and a cloud render worker both run them: the voice line is spoken while
/// the composite's video step already runs (its audio mix waits for the voice); without a voice the ad plays with its music
/// and on-screen text and the reason is recorded. Who speaks and who composites (actors on the device, the engine and
/// espeak-ng directly in the cloud) is the caller's; the order, the overlap and the fallback are here once.
/// </summary>
public static class SpeechAndComposite
{
    /// <summary>What speech gave: the voice line as a WAV fitted to its slot, or none and why (<see cref="CaptionsOnlyReason"/>).</summary>
    public sealed record Voice(string? WavPath, double DurationSeconds, string? CaptionsOnlyReason = null)
    {
        public static Voice CaptionsOnly(string reason) => new(null, 0, reason);
    }

    /// <summary>The composite's answer, the voice's length in seconds (0: none), and the speech fallback when there was no voice.</summary>
    public sealed record Result<T>(T Composed, double AudioSeconds, RenderFallback? Fallback);

    /// <param name="request">The render without its voice; the voice is added as it is spoken.</param>
    /// <param name="speak">Speaks the voice line; null when the template has none. A failure it throws is the caller's to handle.</param>
    /// <param name="composite">Renders the request (whose voice may still be on its way).</param>
    /// <param name="timings">Records <see cref="StageTimings.Speech"/> and <see cref="StageTimings.Composite"/>; null: untimed.</param>
    public static async Task<Result<T>> RunAsync<T>(RenderRequest request, Func<Task<Voice>>? speak, Func<RenderRequest, Task<T>> composite,
        StageTimings? timings, CancellationToken ct)
    {
        var speaking = speak is null ? null : Timed(timings, StageTimings.Speech, speak);
        var voiced = request with { PendingVoice = speaking is null ? null : WavOf(speaking) };
        var composed = await Timed(timings, StageTimings.Composite, () => composite(voiced));
        ct.ThrowIfCancellationRequested();
        if (speaking is null) return new(composed, 0, null);
        var voice = await speaking;
        return voice.WavPath is null
            ? new(composed, 0, RenderFallback.CaptionsOnly(voice.CaptionsOnlyReason ?? ""))
            : new(composed, voice.DurationSeconds, null);
    }

    private static Task<T> Timed<T>(StageTimings? timings, string stage, Func<Task<T>> work) =>
        timings is null ? work() : timings.Time(stage, work);

    // The spoken WAV for the composite, or none: a failed or late synthesis is answered once the caller awaits it.
    private static async Task<string?> WavOf(Task<Voice> speaking)
    {
        try { return (await speaking).WavPath; }
        catch (Exception) { return null; }
    }
}
