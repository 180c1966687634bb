using Fleet.Shared.Speech;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Fleet.Edge.Speech;
using Fleet.Shared.Campaigns;
using static Fleet.Edge.Speech.SpeechProtocol;

namespace Fleet.Edge.Node.Tests.Speech;

public sealed class SpeechActorTests : TestKit, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-speech-actor-").FullName;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Answers_with_a_wav_that_fits_the_slot()
    {
        var speech = Sys.ActorOf(SpeechActor.Props(new EspeakTts(cacheDir: _dir)));
        speech.Tell(new Synthesise("Summer sale. Shop now.", new VoiceSpec(), 2.9));
        var ready = ExpectMsg<SpeechReady>(TimeSpan.FromSeconds(10));
        Assert.True(File.Exists(ready.WavPath));
        Assert.InRange(ready.DurationSeconds, 0.1, 2.9);
    }

    [Fact]
    public void Missing_espeak_degrades_to_captions_only_with_the_reason()
    {
        var speech = Sys.ActorOf(SpeechActor.Props(new EspeakTts(binaryPath: Path.Combine(_dir, "missing-espeak"), cacheDir: _dir)));
        speech.Tell(new Synthesise("Summer sale", new VoiceSpec(), 3));
        var captions = ExpectMsg<CaptionsOnly>(TimeSpan.FromSeconds(10));
        Assert.StartsWith("espeak-missing: ", captions.Reason);
    }

    [Fact]
    public void Failing_espeak_degrades_to_captions_only()
    {
        // A binary that runs but fails (exit 1, no WAV): same fallback, different reason.
        var speech = Sys.ActorOf(SpeechActor.Props(new EspeakTts(binaryPath: "/bin/false", cacheDir: _dir)));
        speech.Tell(new Synthesise("Summer sale", new VoiceSpec(), 3));
        var captions = ExpectMsg<CaptionsOnly>(TimeSpan.FromSeconds(10));
        Assert.StartsWith("espeak-failed: ", captions.Reason);
    }
}
