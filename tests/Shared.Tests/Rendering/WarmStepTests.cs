using Fleet.Shared.Rendering;
using Fleet.Testing;

namespace Fleet.Shared.Tests.Rendering;

/// <summary>The pre-started assemble and mix processes give the same clip as a cold render and never outlive their engine.</summary>
public sealed class WarmStepTests(SampleCampaignFixture sample) : IClassFixture<SampleCampaignFixture>
{
    private string Voice()
    {
        var wav = Path.Combine(sample.NewDir("voice"), "line.wav");
        SampleCampaignFixture.Run("espeak-ng", "-w", wav, "--", "Summer sale. Shop now.");
        return wav;
    }

    [Fact]
    public async Task Warm_render_matches_cold_render_and_dispose_leaves_nothing()
    {
        var work = sample.NewDir("warm-work");
        var request = new RenderRequest { Fields = sample.Fields("Warm and cold"), VoiceWav = Voice() };
        var coldOut = Path.Combine(sample.NewDir("cold"), "ad.mp4");
        await new RenderEngine(sample.Runner).RenderFastAsync(sample.Prepared, request, coldOut);

        RenderResult second;
        var warmOut = Path.Combine(sample.NewDir("warm"), "ad.mp4");
        using (var engine = new RenderEngine(sample.Runner, work) { KeepStepsWarm = true })
        {
            engine.WarmUp(sample.Prepared);
            Assert.Equal(2, Directory.GetDirectories(work, "fleet-warm-*").Length); // assembler and mixer
            second = await engine.RenderFastAsync(sample.Prepared, request, warmOut);
            // Replacements are waiting for the next render.
            Assert.Equal(2, Directory.GetDirectories(work, "fleet-warm-*").Length);
        }
        Assert.Contains(second.Steps, s => s.Step == "assemble(warm)");
        Assert.Contains(second.Steps, s => s.Step == "mix(warm)");
        Assert.Empty(Directory.GetFileSystemEntries(work));

        var facts = MediaProbe.Read(warmOut);
        Assert.Equal(300, facts.VideoPackets);
        Assert.True(facts.HasAudio);
        Assert.Equal("", MediaProbe.DecodeErrors(warmOut));
        Assert.Equal(MediaProbe.FrameHashes(coldOut), MediaProbe.FrameHashes(warmOut));
        Assert.Equal(MediaProbe.AudioSamples(coldOut), MediaProbe.AudioSamples(warmOut));
    }

    [Fact]
    public async Task Warm_steps_serve_renders_with_and_without_a_voice()
    {
        var work = sample.NewDir("warm-work");
        using var engine = new RenderEngine(sample.Runner, work) { KeepStepsWarm = true };
        engine.WarmUp(sample.Prepared);
        foreach (var voice in new[] { null, Voice() })
        {
            var output = Path.Combine(sample.NewDir("out"), "ad.mp4");
            var r = await engine.RenderFastAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("x"), VoiceWav = voice }, output);
            Assert.Contains(r.Steps, s => s.Step == "assemble(warm)");
            // Without a voice nothing is mixed: the waiting mixer is kept for the next voiced render, which uses it.
            Assert.Equal(voice is null ? "" : "mix(warm)", r.Steps.FirstOrDefault(s => s.Step.StartsWith("mix"))?.Step ?? "");
            Assert.Equal(2, Directory.GetDirectories(work, "fleet-warm-*").Length);
            Assert.Equal(300, MediaProbe.Read(output).VideoPackets);
            Assert.True(MediaProbe.Read(output).HasAudio);
        }
    }

    [Fact]
    public async Task Cancelled_warm_render_leaves_nothing()
    {
        var work = sample.NewDir("warm-work");
        var outDir = sample.NewDir("out");
        using (var engine = new RenderEngine(sample.Runner, work) { KeepStepsWarm = true })
        {
            engine.WarmUp(sample.Prepared);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                engine.RenderFastAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("x") }, Path.Combine(outDir, "ad.mp4"), cts.Token));
        }
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
        Assert.Empty(Directory.GetFileSystemEntries(work));
    }
}
