using Fleet.Shared.Speech;
using Akka.Actor;
using Fleet.Shared.Cli;
using static Fleet.Edge.Speech.SpeechProtocol;

namespace Fleet.Edge.Speech;

/// <summary>Speaks voice lines off the actor thread; any engine failure degrades to captions only instead of failing the ad.</summary>
public sealed class SpeechActor : ReceiveActor
{
    public SpeechActor(EspeakTts tts)
    {
        Receive<Synthesise>(request =>
        {
            tts.SynthesiseAsync(request.Text, request.Voice, request.MaxSeconds)
                .PipeTo(Sender,
                    success: clip => new SpeechReady(clip.WavPath, clip.DurationSeconds, clip.Rate, clip.Trimmed, clip.Cached),
                    failure: e => new CaptionsOnly(Reason(e)));
        });
    }

    public static Props Props(EspeakTts tts) => Akka.Actor.Props.Create(() => new SpeechActor(tts));

    /// <summary>A stable fallback code for telemetry plus the engine's own words; the render adds the <c>speech:captions-only:</c> prefix (<see cref="Fleet.Shared.Rendering.RenderFallback.CaptionsOnly"/>).</summary>
    internal static string Reason(Exception e)
    {
        var inner = e is AggregateException { InnerException: { } i } ? i : e;
        var code = inner switch
        {
            SpeechUnavailableException s when s.Message.Contains("not available", StringComparison.Ordinal) => "espeak-missing",
            SpeechUnavailableException s when s.Message.Contains("timed out", StringComparison.Ordinal) => "espeak-timeout",
            FleetException => "espeak-failed",
            _ => "speech-error",
        };
        return $"{code}: {inner.Message}";
    }
}
