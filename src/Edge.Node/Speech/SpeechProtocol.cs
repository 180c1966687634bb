using Fleet.Shared.Campaigns;

namespace Fleet.Edge.Speech;

/// <summary>Messages of the speech actor: one request, answered by a ready clip or a captions-only fallback.</summary>
public static class SpeechProtocol
{
    /// <summary>Speak <paramref name="Text"/> with <paramref name="Voice"/> so that it fits in <paramref name="MaxSeconds"/>.</summary>
    public sealed record Synthesise(string Text, VoiceSpec Voice, double MaxSeconds);

    /// <summary>Either answer to <see cref="Synthesise"/>.</summary>
    public abstract record SpeechResult;

    /// <summary>The voice line as a WAV that fits its slot.</summary>
    public sealed record SpeechReady(string WavPath, double DurationSeconds, int Rate, bool Trimmed, bool Cached) : SpeechResult;

    /// <summary>No voice: the ad plays with its music bed and on-screen text only; <paramref name="Reason"/> says why.</summary>
    public sealed record CaptionsOnly(string Reason) : SpeechResult;
}
