using Fleet.Bench;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;
using Fleet.Shared.Rendering;
using Fleet.TestSupport;

namespace Fleet.Edge.Node.Tests.Rendering;

/// <summary>The benchmark's output check and the ffprobe facts under it, on real renders of the sample campaign.</summary>
public sealed class OutputCheckTests(SampleCampaignFixture sample) : IClassFixture<SampleCampaignFixture>
{
    private TemplateSpec Template => sample.Prepared.Template;
    private int Untouched => Template.Personalised.Min(r => r.StartFrame);
    private string Hero => sample.Prepared.PathOf(sample.Prepared.NormalisedVideo);

    private async Task<string> RenderAsync(string name)
    {
        var output = Path.Combine(sample.NewDir(name), "ad.mp4");
        await new RenderEngine(sample.Runner).RenderFastAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("Checked \"100%\" deal") }, output);
        return output;
    }

    [Fact]
    public async Task A_fast_render_passes_the_check()
    {
        var output = await RenderAsync("pass");
        var r = await OutputCheck.RunAsync(sample.Runner, output, Hero, Template.DurationFrames, Template.Fps, Untouched);
        Assert.True(r.Passed, r.ToString());
        Assert.Equal(Template.DurationFrames, r.Frames);
        Assert.Equal(Template.DurationSeconds, r.DurationSeconds, 1);
        Assert.True(r.HasAudio && r.DecodesCleanly, r.ToString());
        Assert.Equal(Untouched, r.UntouchedIdentical);
    }

    [Fact]
    public async Task A_shortened_silent_reencode_fails_the_check_on_each_count()
    {
        var output = await RenderAsync("short");
        var cut = Path.Combine(Path.GetDirectoryName(output)!, "cut.mp4");
        await sample.Runner.RunAsync(["-i", output, "-map", "0:v", "-frames:v", "100", "-c:v", "libx264", "-crf", "40", cut]);
        var r = await OutputCheck.RunAsync(sample.Runner, cut, Hero, Template.DurationFrames, Template.Fps, Untouched);
        Assert.False(r.Passed);
        Assert.Equal(100, r.Frames);
        Assert.False(r.HasAudio);
        Assert.True(r.UntouchedIdentical < Untouched, r.ToString());
    }

    [Fact]
    public async Task Facts_agree_with_ffprobe_run_directly()
    {
        var output = await RenderAsync("facts");
        var facts = await MediaFacts.ReadAsync(sample.Runner, output, countFrames: true);
        var direct = MediaProbe.Read(output);
        Assert.Equal(direct.VideoPackets, facts.VideoFrames);
        Assert.Equal((Template.Width, Template.Height), (facts.Width, facts.Height));
        Assert.True(facts.HasAudio);
        Assert.Equal(Math.Max(direct.VideoDuration, direct.AudioDuration), facts.Duration.TotalSeconds, 2);
        Assert.Null((await MediaFacts.ReadAsync(sample.Runner, output)).VideoFrames);
    }

    [Fact]
    public async Task Ffprobe_is_taken_from_beside_the_given_ffmpeg()
    {
        var output = await RenderAsync("beside");
        var both = sample.NewDir("bin-both");
        foreach (var tool in new[] { "ffmpeg", "ffprobe" }) File.CreateSymbolicLink(Path.Combine(both, tool), ChildProcesses.Resolve(tool)!);
        var facts = await MediaFacts.ReadAsync(new FfmpegRunner(Path.Combine(both, "ffmpeg")), output);
        Assert.Equal(Template.Width, facts.Width);

        // PATH has an ffprobe, but the ffmpeg Fleet was given has none beside it: an error, not some other binary.
        var ffmpegOnly = sample.NewDir("bin-ffmpeg-only");
        File.CreateSymbolicLink(Path.Combine(ffmpegOnly, "ffmpeg"), ChildProcesses.Resolve("ffmpeg")!);
        var e = await Assert.ThrowsAsync<FfprobeMissingException>(() => MediaFacts.ReadAsync(new FfmpegRunner(Path.Combine(ffmpegOnly, "ffmpeg")), output));
        Assert.Equal($"ffprobe not available at '{Path.Combine(ffmpegOnly, "ffprobe")}': no such file", e.Message);
    }

    [Fact]
    public async Task A_file_ffprobe_cannot_read_is_one_line_with_its_last_stderr_line()
    {
        var junk = Path.Combine(sample.NewDir("junk"), "ad.mp4");
        await File.WriteAllTextAsync(junk, "not a video");
        var e = await Assert.ThrowsAsync<FfprobeFailedException>(() => MediaFacts.ReadAsync(sample.Runner, junk));
        Assert.StartsWith("ffprobe exited with 1: ", e.Message);
        Assert.EndsWith("Invalid data found when processing input", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var missing = Path.Combine(sample.NewDir("none"), "ad.mp4");
        var gone = await Assert.ThrowsAsync<FleetException>(() => MediaFacts.ReadAsync(sample.Runner, missing));
        Assert.Equal($"cannot probe {missing}: no such file", gone.Message);
    }
}
