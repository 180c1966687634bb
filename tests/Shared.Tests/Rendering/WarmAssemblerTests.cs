using Fleet.Shared.Rendering;
using Fleet.Testing;

namespace Fleet.Shared.Tests.Rendering;

/// <summary>The pre-started assemble process gives the same clip as a cold render and never outlives its engine.</summary>
public sealed class WarmAssemblerTests(SampleCampaignFixture sample) : IClassFixture<SampleCampaignFixture>
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
        using (var engine = new RenderEngine(sample.Runner, work) { KeepAssemblerWarm = true })
        {
            engine.WarmUp(sample.Prepared, withVoice: true);
            Assert.Single(Directory.GetDirectories(work, "fleet-warm-*"));
            second = await engine.RenderFastAsync(sample.Prepared, request, warmOut);
            // A replacement is waiting for the next render.
            Assert.Single(Directory.GetDirectories(work, "fleet-warm-*"));
        }
        Assert.Contains(second.Steps, s => s.Step == "assemble(warm)");
        Assert.Empty(Directory.GetFileSystemEntries(work));

        var facts = MediaProbe.Read(warmOut);
        Assert.Equal(300, facts.VideoPackets);
        Assert.True(facts.HasAudio);
        Assert.Equal("", MediaProbe.DecodeErrors(warmOut));
        Assert.Equal(MediaProbe.FrameHashes(coldOut), MediaProbe.FrameHashes(warmOut));
    }

    [Fact]
    public async Task A_warm_process_for_another_voice_layout_is_replaced_not_used()
    {
        var work = sample.NewDir("warm-work");
        using var engine = new RenderEngine(sample.Runner, work) { KeepAssemblerWarm = true };
        engine.WarmUp(sample.Prepared, withVoice: false);
        var output = Path.Combine(sample.NewDir("out"), "ad.mp4");
        var r = await engine.RenderFastAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("x"), VoiceWav = Voice() }, output);
        Assert.DoesNotContain(r.Steps, s => s.Step == "assemble(warm)");
        Assert.Equal(300, MediaProbe.Read(output).VideoPackets);
    }

    [Fact]
    public async Task Cancelled_warm_render_leaves_nothing()
    {
        var work = sample.NewDir("warm-work");
        var outDir = sample.NewDir("out");
        using (var engine = new RenderEngine(sample.Runner, work) { KeepAssemblerWarm = true })
        {
            engine.WarmUp(sample.Prepared, withVoice: false);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                engine.RenderFastAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("x") }, Path.Combine(outDir, "ad.mp4"), cts.Token));
        }
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
        Assert.Empty(Directory.GetFileSystemEntries(work));
    }
}
