using Fleet.Shared.Speech;
using Fleet.Shared.Campaigns;

namespace Fleet.Edge.Node.Tests.Speech;

public sealed class EspeakTtsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-tts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Short_line_is_spoken_at_the_asked_rate_and_measured_from_the_header()
    {
        var tts = new EspeakTts(cacheDir: _dir);
        var clip = await tts.SynthesiseAsync("Summer sale. Shop now.", new VoiceSpec("en-us", 175), maxSeconds: 3.0);
        Assert.Equal(175, clip.Rate);
        Assert.False(clip.Trimmed);
        var info = WavFile.Read(clip.WavPath);
        Assert.InRange(clip.DurationSeconds, 0.5, 3.0);
        // Header-derived duration agrees with the byte count.
        Assert.Equal((new FileInfo(clip.WavPath).Length - info.DataOffset) / (double)(info.SampleRate * info.BlockAlign), clip.DurationSeconds, 2);
    }

    [Fact]
    public async Task Long_line_is_fitted_into_a_short_slot()
    {
        var tts = new EspeakTts(cacheDir: _dir);
        const string line = "Everything in the store is half price this weekend only, including sunglasses, towels, hats and cold drinks.";
        var natural = await tts.SynthesiseAsync(line, new VoiceSpec("en-us", 175), maxSeconds: 60);
        var fitted = await tts.SynthesiseAsync(line, new VoiceSpec("en-us", 175), maxSeconds: 2.0);
        Assert.True(natural.DurationSeconds > 4, $"natural length {natural.DurationSeconds}");
        Assert.True(fitted.DurationSeconds <= 2.0, $"fitted length {fitted.DurationSeconds}");
        Assert.True(fitted.Rate > 175 || fitted.Trimmed);
        Assert.InRange(fitted.Rate, 175, EspeakTts.MaxRate);
    }

    [Fact]
    public async Task Once_a_voice_has_spoken_a_line_that_would_overrun_is_spoken_fitted_in_one_run()
    {
        var tts = new EspeakTts(cacheDir: _dir);
        var voice = new VoiceSpec("en-gb-x-rp", 175); // a voice no other test speaks, so its pace is learned here
        Assert.Null(SpeakingPace.Predict(voice.Name, "anything", voice.Rate));
        var first = await tts.SynthesiseAsync("Summer sale, shop now.", voice, maxSeconds: 10);
        var fitted = await tts.SynthesiseAsync("Everything in the store is half price this weekend, hats and towels too.", voice, maxSeconds: 2.5);
        Assert.Equal(1, first.Runs);
        Assert.Equal(1, fitted.Runs);
        Assert.True(fitted.Rate > voice.Rate, $"rate {fitted.Rate}");
        Assert.False(fitted.Trimmed);
        Assert.True(fitted.DurationSeconds <= 2.5, $"fitted length {fitted.DurationSeconds}");
    }

    [Fact]
    public async Task Line_starting_with_a_dash_is_spoken_not_parsed()
    {
        var tts = new EspeakTts(cacheDir: _dir);
        var clip = await tts.SynthesiseAsync("-w /tmp/evil.wav --help", new VoiceSpec(), maxSeconds: 5);
        Assert.True(clip.DurationSeconds > 0.3);
        Assert.StartsWith(_dir, clip.WavPath);
    }

    [Fact]
    public async Task Second_request_is_a_cache_hit_keyed_by_text_voice_rate_and_slot()
    {
        var tts = new EspeakTts(cacheDir: _dir);
        var first = await tts.SynthesiseAsync("Grab yours", new VoiceSpec(), 3);
        var again = await tts.SynthesiseAsync("Grab yours", new VoiceSpec(), 3);
        var otherSlot = await tts.SynthesiseAsync("Grab yours", new VoiceSpec(), 2.5);
        Assert.False(first.Cached);
        Assert.True(again.Cached);
        Assert.Equal(0, again.Runs);
        Assert.Equal(first.WavPath, again.WavPath);
        Assert.NotEqual(first.WavPath, otherSlot.WavPath);
        Assert.Empty(Directory.GetFiles(_dir, ".*"));
    }

    [Fact]
    public async Task Missing_binary_is_a_speech_unavailable_error()
    {
        var tts = new EspeakTts(binaryPath: Path.Combine(_dir, "no-espeak"), cacheDir: _dir);
        var e = await Assert.ThrowsAsync<SpeechUnavailableException>(() => tts.SynthesiseAsync("hello", new VoiceSpec(), 3));
        Assert.Contains("not available", e.Message);
    }

    [Fact]
    public void Trim_cuts_a_wav_to_the_slot()
    {
        var source = Path.Combine(_dir, "long.wav");
        Fleet.TestSupport.SampleCampaignFixture.Run("espeak-ng", "-w", source, "--", "one two three four five six seven eight nine ten");
        var cut = Path.Combine(_dir, "cut.wav");
        WavFile.Trim(source, cut, 1.25);
        Assert.Equal(1.25, WavFile.Read(cut).DurationSeconds, 2);
        Assert.True(WavFile.Read(source).DurationSeconds > 2);
    }
}
