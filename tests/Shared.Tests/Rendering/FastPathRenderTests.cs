using Fleet.Shared.Rendering;
using Fleet.TestSupport;

namespace Fleet.Shared.Tests.Rendering;

/// <summary>Real ffmpeg renders of the sample campaign on the fast path.</summary>
public sealed class FastPathRenderTests(SampleCampaignFixture sample) : IClassFixture<SampleCampaignFixture>
{
    private string Voice()
    {
        var dir = sample.NewDir("voice");
        var wav = Path.Combine(dir, "line.wav");
        SampleCampaignFixture.Run("espeak-ng", "-v", "en-us", "-w", wav, "--", "Summer sale. Shop now.");
        return wav;
    }

    [Fact]
    public async Task Fast_path_output_is_frame_exact_with_audio_and_untouched_head()
    {
        var outDir = sample.NewDir("out");
        var output = Path.Combine(outDir, "ad.mp4");
        var engine = new RenderEngine(sample.Runner);
        var result = await engine.RenderFastAsync(sample.Prepared,
            new RenderRequest { Fields = sample.Fields("Sunglasses from $5"), VoiceWav = Voice() }, output);

        Assert.Equal(RenderPath.Fast, result.Path);
        Assert.Equal(new[] { "plan", "personalise", "mix", "assemble" }, result.Steps.Select(s => s.Step));
        var facts = MediaProbe.Read(output);
        var t = sample.Prepared.Template;
        Assert.Equal(t.DurationFrames, facts.VideoPackets);
        Assert.InRange(facts.VideoDuration, t.DurationSeconds - 1.0 / t.Fps, t.DurationSeconds + 1.0 / t.Fps);
        Assert.True(facts.HasAudio);
        Assert.InRange(facts.AudioDuration, t.DurationSeconds - 0.05, t.DurationSeconds + 0.05);
        Assert.Equal("", MediaProbe.DecodeErrors(output));
        Assert.Equal(MediaProbe.FrameHashes(sample.Prepared.PathOf(sample.Prepared.NormalisedVideo), 210), MediaProbe.FrameHashes(output, 210));
        // The end card really changed: personalised frames differ from the plain plate.
        Assert.NotEqual(MediaProbe.FrameHashes(sample.Prepared.PathOf("seg001.mp4"))[0], MediaProbe.FrameHashes(output)[210]);
        Assert.Equal(new[] { "ad.mp4" }, Directory.GetFileSystemEntries(outDir).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_voice_still_being_spoken_is_mixed_when_it_arrives_and_none_leaves_the_bed_alone(bool pipes)
    {
        var voice = Voice();
        var engine = new RenderEngine(sample.Runner) { UsePipes = pipes };
        async Task<string> Render(string name, RenderRequest request)
        {
            var output = Path.Combine(sample.NewDir(name), "ad.mp4");
            await engine.RenderFastAsync(sample.Prepared, request, output);
            Assert.Equal(300, MediaProbe.Read(output).VideoPackets);
            return output;
        }
        async Task<string?> SpokenLater(string? wav)
        {
            await Task.Delay(300);
            return wav;
        }
        var fields = sample.Fields("Later");
        var given = await Render("given", new RenderRequest { Fields = fields, VoiceWav = voice });
        var pending = await Render("pending", new RenderRequest { Fields = fields, PendingVoice = SpokenLater(voice) });
        var silent = await Render("silent", new RenderRequest { Fields = fields });
        var none = await Render("none", new RenderRequest { Fields = fields, PendingVoice = SpokenLater(null) });
        Assert.Equal(MediaProbe.AudioSamples(given), MediaProbe.AudioSamples(pending));
        Assert.Equal(MediaProbe.AudioSamples(silent), MediaProbe.AudioSamples(none));
        Assert.NotEqual(MediaProbe.AudioSamples(given), MediaProbe.AudioSamples(none));
    }

    [Fact]
    public async Task Spliced_audio_sounds_like_one_encode_of_the_whole_mix()
    {
        // The fast path reuses the prepared music frames up to just before the voice and from just after it, and encodes only
        // the voice's span; the full path encodes the same mix in one go. Off by one AAC frame (21 ms) the two would be
        // uncorrelated music.
        var request = new RenderRequest { Fields = sample.Fields("Splice"), VoiceWav = Voice() };
        var engine = new RenderEngine(sample.Runner);
        var fast = Path.Combine(sample.NewDir("splice-fast"), "ad.mp4");
        var full = Path.Combine(sample.NewDir("splice-full"), "ad.mp4");
        await engine.RenderFastAsync(sample.Prepared, request, fast);
        await engine.RenderFullAsync(sample.Prepared, request, full);
        var a = MediaProbe.AudioSamples(fast);
        var b = MediaProbe.AudioSamples(full);
        Assert.InRange(a.Length, b.Length - 2 * 2048, b.Length + 2 * 2048);
        var seam = 2 * sample.Prepared.VoiceSplice!.Sample;
        Assert.InRange(SignalToNoiseDb(b, a, 0, b.Length), 25, double.MaxValue);
        Assert.InRange(SignalToNoiseDb(b, a, seam - 2 * 4096, seam + 2 * 4096), 20, double.MaxValue);
        // After the voice the prepared frames take over again (bed frame k starts at sample (k - 1) * 1024).
        var resume = 2 * (sample.Prepared.VoiceSplice.ResumeFrame(sample.Prepared.Template)!.Value - 1) * 1024;
        Assert.InRange(SignalToNoiseDb(b, a, resume - 2 * 4096, resume + 2 * 4096), 20, double.MaxValue);
    }

    private static double SignalToNoiseDb(short[] reference, short[] test, int from, int to)
    {
        double signal = 0, noise = 0;
        for (var i = Math.Max(0, from); i < Math.Min(to, Math.Min(reference.Length, test.Length)); i++)
        {
            signal += (double)reference[i] * reference[i];
            noise += (double)(reference[i] - test[i]) * (reference[i] - test[i]);
        }
        return 10 * Math.Log10(signal / Math.Max(noise, 1));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public async Task Every_fast_path_variant_gives_the_same_frame_exact_clip(bool still, bool pipes)
    {
        // Without the still-plate shortcut every personalised frame is encoded; without pipes the steps run in order.
        var prepared = still ? sample.Prepared : sample.Prepared with { Segments = sample.Prepared.Segments.Select(s => s with { StillSkipFrames = null }).ToList() };
        var output = Path.Combine(sample.NewDir("variant"), "ad.mp4");
        await new RenderEngine(sample.Runner) { UsePipes = pipes }.RenderFastAsync(prepared, new RenderRequest { Fields = sample.Fields("Variant"), VoiceWav = Voice() }, output);
        var facts = MediaProbe.Read(output);
        Assert.Equal(300, facts.VideoPackets);
        Assert.InRange(facts.AudioDuration, 9.95, 10.05);
        Assert.Equal("", MediaProbe.DecodeErrors(output));
        var frames = MediaProbe.FrameHashes(output);
        Assert.Equal(MediaProbe.FrameHashes(sample.Prepared.PathOf(sample.Prepared.NormalisedVideo), 210), frames.Take(210));
        var endCard = frames.Skip(210).ToList();
        if (still)
            Assert.Single(endCard.Distinct()); // keyframe + pure copy frames: one picture for all 90 frames
        else
        {
            // Encoded frame by frame: it opens with the very keyframe the still shortcut produces.
            var reference = Path.Combine(sample.NewDir("reference"), "ad.mp4");
            await new RenderEngine(sample.Runner).RenderFastAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("Variant") }, reference);
            var stillFrame = MediaProbe.FrameHashes(reference)[210];
            Assert.Equal(stillFrame, endCard[0]);
            Assert.Equal(90, endCard.Count);
        }
    }

    [Theory]
    [InlineData("5\" screen -y {dir}/x.mp4")]
    [InlineData("%{pts} %{n} 100%")]
    [InlineData("it's: C:\\sale\\ [now], {x}; ok")]
    [InlineData("Sale 🌞 تخفيضات الصيف 夏のセール")]
    [InlineData("-y -i /dev/zero")]
    public async Task Hostile_headlines_render_and_are_drawn_from_exact_text(string pattern)
    {
        var outDir = sample.NewDir("hostile");
        var headline = pattern.Replace("{dir}", outDir);
        // A work folder whose name needs filter-graph escaping proves the text file path is escaped too.
        var work = sample.NewDir("wo'rk: a,b [c];d");
        var output = Path.Combine(outDir, "ad.mp4");
        var fields = sample.Fields(headline);
        var plan = RenderPlanner.PlanFast(sample.Prepared, new RenderRequest { Fields = fields }, work, output + ".partial");
        Assert.DoesNotContain(plan.Steps.SelectMany(s => s.Arguments), a => a.Contains(headline, StringComparison.Ordinal));
        Assert.Equal(headline, plan.Files.Single(f => f.Path.EndsWith("text001.txt")).Content);

        var result = await new RenderEngine(sample.Runner, work).RenderFastAsync(sample.Prepared, new RenderRequest { Fields = fields }, output);
        Assert.Equal(sample.Prepared.Template.DurationFrames, MediaProbe.Read(result.OutputPath).VideoPackets);
        Assert.False(File.Exists(Path.Combine(outDir, "x.mp4")));
        Assert.False(File.Exists("/tmp/x.mp4") && File.GetLastWriteTimeUtc("/tmp/x.mp4") > DateTime.UtcNow.AddMinutes(-1));
        Assert.Empty(Directory.GetFileSystemEntries(work));
    }

    [Fact]
    public async Task Text_file_drawn_holds_exactly_the_headline_bytes()
    {
        var headline = "Grüße \"quoted\" 50% \\ : ' 🌞";
        var work = sample.NewDir("work");
        var plan = RenderPlanner.PlanFast(sample.Prepared, new RenderRequest { Fields = sample.Fields(headline) }, work, Path.Combine(work, "o.partial"));
        var file = plan.Files.Single(f => f.Path.EndsWith("text001.txt"));
        await File.WriteAllTextAsync(file.Path, file.Content, new System.Text.UTF8Encoding(false));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(headline), await File.ReadAllBytesAsync(file.Path));
    }

    [Fact]
    public async Task Naive_path_gives_the_same_length_and_end_card()
    {
        var output = Path.Combine(sample.NewDir("naive"), "ad.mp4");
        var request = new RenderRequest { Fields = sample.Fields("Same text"), Grade = "warm" };
        var result = await new RenderEngine(sample.Runner).RenderFullAsync(sample.Prepared, request, output);
        Assert.Equal(RenderPath.Full, result.Path);
        var facts = MediaProbe.Read(output);
        Assert.Equal(300, facts.VideoPackets);
        Assert.True(facts.HasAudio);
        Assert.Equal("", MediaProbe.DecodeErrors(output));
    }

    [Fact]
    public async Task Preparing_again_reuses_the_prepared_folder()
    {
        var again = await new TemplatePreparer(sample.Runner).PrepareAsync(sample.Campaign, Path.GetDirectoryName(sample.Prepared.Directory)!);
        Assert.Equal(sample.Prepared.Directory, again.Directory);
        Assert.Contains(sample.Prepared.HeroSha256, Path.GetFileName(again.Directory));
        Assert.Equal(new[] { false, true }, again.Segments.Select(s => s.Personalised));
        Assert.NotNull(again.Segments[1].StillSkipFrames);
    }
}
