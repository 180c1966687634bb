using Fleet.Shared.Rendering;
using Fleet.TestSupport;

namespace Fleet.Shared.Tests.Rendering;

/// <summary>The pre-started personalise, mix and assemble processes give the same clip as a cold render and never outlive their engine.</summary>
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
        var voice = Voice();
        var first = new RenderRequest { Fields = sample.Fields("First copy"), VoiceWav = voice };
        // Other copy, same layers and grade: the personalise process started after the first render serves it.
        var request = new RenderRequest { Fields = sample.Fields("Warm and cold: 50% \"off\""), VoiceWav = voice };
        var coldOut = Path.Combine(sample.NewDir("cold"), "ad.mp4");
        await new RenderEngine(sample.Runner).RenderFastAsync(sample.Prepared, request, coldOut);

        RenderResult second, graded;
        var warmOut = Path.Combine(sample.NewDir("warm"), "ad.mp4");
        using (var engine = new RenderEngine(sample.Runner, work) { KeepStepsWarm = true })
        {
            engine.WarmUp(sample.Prepared);
            Assert.Equal(2, Directory.GetDirectories(work, "fleet-warm-*").Length); // assembler and mixer
            var one = await engine.RenderFastAsync(sample.Prepared, first, Path.Combine(sample.NewDir("first"), "ad.mp4"));
            Assert.Contains(one.Steps, s => s.Step == "personalise"); // nothing to say which layers and grade come next
            await engine.Refilled; // started after the render answered
            Assert.Equal(3, Directory.GetDirectories(work, "fleet-warm-*").Length); // and now a personaliser
            second = await engine.RenderFastAsync(sample.Prepared, request, warmOut);
            await engine.Refilled;
            Assert.Equal(3, Directory.GetDirectories(work, "fleet-warm-*").Length); // replacements wait for the next render
            // Another grade is another filter graph: the waiting process does not run it, a fresh one does.
            graded = await engine.RenderFastAsync(sample.Prepared, request with { Grade = "warm" }, Path.Combine(sample.NewDir("graded"), "ad.mp4"));
        }
        Assert.Equal(new[] { "personalise(warm)", "mix(warm)", "assemble(warm)" }, second.Steps.Skip(1).Select(s => s.Step));
        Assert.Equal(new[] { "personalise", "mix(warm)", "assemble(warm)" }, graded.Steps.Skip(1).Select(s => s.Step));
        Assert.Empty(Directory.GetFileSystemEntries(work));

        var facts = MediaProbe.Read(warmOut);
        Assert.Equal(300, facts.VideoPackets);
        Assert.True(facts.HasAudio);
        Assert.Equal("", MediaProbe.DecodeErrors(warmOut));
        Assert.Equal(MediaProbe.FrameHashes(coldOut), MediaProbe.FrameHashes(warmOut));
        Assert.Equal(MediaProbe.AudioSamples(coldOut), MediaProbe.AudioSamples(warmOut));
        Assert.NotEqual(MediaProbe.FrameHashes(warmOut)[^1], MediaProbe.FrameHashes(graded.OutputPath)[^1]);
    }

    [Fact]
    public async Task Warming_up_ends_once_every_process_has_loaded_and_sleeps_on_its_pipe()
    {
        var work = sample.NewDir("warm-work");
        using var engine = new RenderEngine(sample.Runner, work) { KeepStepsWarm = true };
        Assert.True(await engine.WarmStepsLoadedAsync(TimeSpan.FromSeconds(1))); // nothing started, nothing to wait for
        engine.WarmUp(sample.Prepared, new RenderRequest { Fields = sample.Fields("x") });
        Assert.True(await engine.WarmStepsLoadedAsync(TimeSpan.FromSeconds(30)));

        // Checked from outside: three ffmpeg processes over this folder, asleep and spending no more CPU.
        var mine = Fleet.Shared.IO.ProcessTree.ChildrenOf(Environment.ProcessId)
            .Where(c => File.ReadAllText($"/proc/{c.Pid}/cmdline").Contains(work, StringComparison.Ordinal)).ToList();
        Assert.Equal(3, mine.Count);
        var before = mine.Select(c => Fleet.Shared.IO.ProcessTree.CpuTicksOf(c.Pid)).ToList();
        await Task.Delay(300);
        Assert.Equal(before, mine.Select(c => Fleet.Shared.IO.ProcessTree.CpuTicksOf(c.Pid)));
        Assert.All(mine, c => Assert.Equal('S', Fleet.Shared.IO.ProcessTree.StateOf(c.Pid)));
    }

    [Fact]
    public void A_waiting_step_stopped_by_another_thread_reads_as_gone_and_may_be_stopped_again()
    {
        var step = WarmStep.TryStartAssembler(sample.Runner, sample.Prepared, sample.NewDir("stopped"))!;
        step.Dispose(); // a render that used it, or a refill that replaced it, while a warm-up still polls it
        Assert.True(step.Loaded);
        Assert.True(step.Process.HasExited);
        Assert.False(step.Fits(sample.Prepared));
        step.Dispose();
    }

    [Fact]
    public async Task Warm_ups_at_once_start_each_step_once_and_never_trip_over_each_other()
    {
        var work = sample.NewDir("warm-race");
        using var engine = new RenderEngine(sample.Runner, work) { KeepStepsWarm = true };
        var like = new RenderRequest { Fields = sample.Fields("x") };
        for (var round = 0; round < 3; round++)
        {
            // As the refill after a render and a version's warm-up (with its wait for them to load) do.
            var warmUps = Enumerable.Range(0, 4).Select(_ => Task.Run(() => engine.WarmUp(sample.Prepared, like))).ToList();
            var loaded = engine.WarmStepsLoadedAsync(TimeSpan.FromSeconds(30));
            await Task.WhenAll(warmUps);
            Assert.True(await loaded);
            Assert.True(await engine.WarmStepsLoadedAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(3, Running(work)); // assemble, mix, personalise, each once
            engine.StopWarmSteps();
            for (var wait = 0; wait < 50 && Running(work) > 0; wait++) await Task.Delay(100); // the stopped ones end
        }
    }

    // This process's ffmpeg children working in the folder (one that ends while being read is not counted).
    private static int Running(string work) => Fleet.Shared.IO.ProcessTree.ChildrenOf(Environment.ProcessId).Count(c =>
    {
        try { return File.ReadAllText($"/proc/{c.Pid}/cmdline").Contains(work, StringComparison.Ordinal); }
        catch (IOException) { return false; }
    });

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
            await engine.Refilled;
            Assert.Equal(3, Directory.GetDirectories(work, "fleet-warm-*").Length); // assembler, mixer, personaliser
            Assert.Equal(300, MediaProbe.Read(output).VideoPackets);
            Assert.True(MediaProbe.Read(output).HasAudio);
        }
    }

    [Fact]
    public async Task A_waiting_mixer_whose_voice_never_comes_is_stopped_and_the_bed_plays_alone()
    {
        var work = sample.NewDir("warm-work");
        var output = Path.Combine(sample.NewDir("out"), "ad.mp4");
        using (var engine = new RenderEngine(sample.Runner, work) { KeepStepsWarm = true })
        {
            engine.WarmUp(sample.Prepared);
            var r = await engine.RenderFastAsync(sample.Prepared,
                new RenderRequest { Fields = sample.Fields("x"), PendingVoice = Task.FromResult<string?>(null) }, output);
            Assert.DoesNotContain(r.Steps, s => s.Step.StartsWith("mix"));
            await engine.Refilled;
            Assert.Equal(3, Directory.GetDirectories(work, "fleet-warm-*").Length); // a fresh mixer waits for the next voice
        }
        Assert.Empty(Directory.GetFileSystemEntries(work));
        var plain = Path.Combine(sample.NewDir("plain"), "ad.mp4");
        await new RenderEngine(sample.Runner).RenderFastAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("x") }, plain);
        Assert.Equal(MediaProbe.AudioSamples(plain), MediaProbe.AudioSamples(output));
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
