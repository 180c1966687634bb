using Fleet.Shared.Rendering;

namespace Fleet.Shared.Tests.Rendering;

/// <summary>
/// Speech and composite as the device and the cloud worker both run them. The speaker and compositor here are plain
/// functions standing in for the speech actor (or espeak-ng) and the composite actor (or the engine), which have their own tests.
/// </summary>
public sealed class SpeechAndCompositeTests
{
    private static readonly RenderRequest Request = new() { Fields = new Dictionary<string, string> { ["headline"] = "Hi" } };

    [Fact]
    public async Task The_composite_starts_while_the_voice_is_still_spoken_and_mixes_it_when_it_comes()
    {
        var voice = new TaskCompletionSource<SpeechAndComposite.Voice>(TaskCreationOptions.RunContinuationsAsynchronously);
        var timings = new StageTimings();
        var done = await SpeechAndComposite.RunAsync(Request, () => voice.Task, async request =>
        {
            Assert.False(request.PendingVoice!.IsCompleted); // the composite did not wait for speech to start
            voice.SetResult(new SpeechAndComposite.Voice("/tmp/line.wav", 2.5));
            return await request.VoiceAsync();
        }, timings, CancellationToken.None);
        Assert.Equal("/tmp/line.wav", done.Composed);
        Assert.Equal(2.5, done.AudioSeconds);
        Assert.Null(done.Fallback);
        Assert.Equal([StageTimings.Composite, StageTimings.Speech], timings.Ms.Keys.Order());
    }

    [Fact]
    public async Task Without_a_voice_the_ad_plays_captions_only_and_the_reason_is_recorded()
    {
        var done = await SpeechAndComposite.RunAsync(Request, () => Task.FromResult(SpeechAndComposite.Voice.CaptionsOnly("espeak-missing")),
            request => request.VoiceAsync(), null, CancellationToken.None);
        Assert.Null(done.Composed);
        Assert.Equal(0, done.AudioSeconds);
        Assert.Equal("speech:captions-only:espeak-missing", done.Fallback?.ToString());
    }

    [Fact]
    public async Task A_template_without_a_voice_line_is_composited_without_speech()
    {
        var timings = new StageTimings();
        var done = await SpeechAndComposite.RunAsync(Request, null, request => Task.FromResult(request.ExpectsVoice), timings, CancellationToken.None);
        Assert.False(done.Composed);
        Assert.Null(done.Fallback);
        Assert.Equal([StageTimings.Composite], timings.Ms.Keys);
    }

    [Fact]
    public async Task A_failing_speaker_leaves_the_composite_without_a_voice_and_its_error_reaches_the_caller()
    {
        string? mixed = "not asked";
        var error = await Assert.ThrowsAsync<TimeoutException>(() => SpeechAndComposite.RunAsync(Request,
            () => Task.FromException<SpeechAndComposite.Voice>(new TimeoutException("speech took too long")),
            async request => mixed = await request.VoiceAsync(), null, CancellationToken.None));
        Assert.Equal("speech took too long", error.Message);
        Assert.Null(mixed);
    }
}
