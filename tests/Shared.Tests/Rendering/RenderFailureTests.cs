using Fleet.Shared.Rendering;
using Fleet.TestSupport;

namespace Fleet.Shared.Tests.Rendering;

/// <summary>Failures never leave a file at the output path, nor litter in the output or work folders.</summary>
public sealed class RenderFailureTests(SampleCampaignFixture sample) : IClassFixture<SampleCampaignFixture>
{
    [Fact]
    public async Task Missing_ffmpeg_binary_is_a_clear_error_and_no_output()
    {
        var outDir = sample.NewDir("missing");
        var runner = new FfmpegRunner(Path.Combine(outDir, "no-such-ffmpeg"));
        var e = await Assert.ThrowsAsync<FfmpegMissingException>(() =>
            new RenderEngine(runner, sample.NewDir("work")).RenderFastAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("x") }, Path.Combine(outDir, "ad.mp4")));
        Assert.Contains("no-such-ffmpeg", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
    }

    [Fact]
    public async Task Cancelled_render_kills_ffmpeg_and_leaves_nothing()
    {
        var outDir = sample.NewDir("cancel");
        var work = sample.NewDir("work");
        var output = Path.Combine(outDir, "ad.mp4");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        // The full path runs long enough (>1 s) that the cancel lands while ffmpeg is writing.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new RenderEngine(sample.Runner, work).RenderFullAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("x") }, output, cts.Token));
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
        Assert.Empty(Directory.GetFileSystemEntries(work));
    }

    [Fact]
    public async Task Failing_ffmpeg_reports_its_stderr_and_keeps_the_previous_output()
    {
        var outDir = sample.NewDir("fail");
        var output = Path.Combine(outDir, "ad.mp4");
        await File.WriteAllTextAsync(output, "previous good ad");
        var broken = sample.Prepared with
        {
            Segments = sample.Prepared.Segments.Select(s => s.Personalised ? s : s with { File = "does-not-exist.h264" }).ToList(),
        };
        var e = await Assert.ThrowsAsync<FfmpegFailedException>(() =>
            new RenderEngine(sample.Runner).RenderFastAsync(broken, new RenderRequest { Fields = sample.Fields("x") }, output));
        Assert.Contains("does-not-exist.h264", e.Message);
        Assert.Equal("previous good ad", await File.ReadAllTextAsync(output));
        Assert.Equal(new[] { "ad.mp4" }, Directory.GetFileSystemEntries(outDir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Failing_personalise_step_stops_the_waiting_assemble_step_at_once()
    {
        var outDir = sample.NewDir("p1fail");
        var broken = sample.Prepared with
        {
            Segments = sample.Prepared.Segments.Select(s => s.Personalised ? s with { File = "missing-source.mp4" } : s).ToList(),
        };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<FfmpegFailedException>(() =>
            new RenderEngine(sample.Runner).RenderFastAsync(broken, new RenderRequest { Fields = sample.Fields("x") }, Path.Combine(outDir, "ad.mp4")));
        Assert.Contains("missing-source.mp4", e.Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
    }

    [Fact]
    public async Task Cancelled_fast_render_kills_both_steps_and_leaves_nothing()
    {
        var outDir = sample.NewDir("cancel-fast");
        var work = sample.NewDir("work");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(60));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new RenderEngine(sample.Runner, work).RenderFastAsync(sample.Prepared, new RenderRequest { Fields = sample.Fields("x") }, Path.Combine(outDir, "ad.mp4"), cts.Token));
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
        Assert.Empty(Directory.GetFileSystemEntries(work));
    }

    [Fact]
    public async Task Timeout_kills_ffmpeg_and_says_so()
    {
        var runner = new FfmpegRunner(timeout: TimeSpan.FromMilliseconds(300));
        var e = await Assert.ThrowsAsync<FfmpegFailedException>(() =>
            runner.RunAsync(new[] { "-re", "-f", "lavfi", "-i", "anullsrc", "-t", "30", "-f", "null", "-" }));
        Assert.Contains("timed out", e.Message);
    }

    [Fact]
    public async Task Encoder_probe_lists_libx264_last_after_usable_hardware()
    {
        var result = await new EncoderProbe(sample.Runner).ProbeAsync();
        Assert.Equal("libx264", result.Usable[^1]);
        Assert.All(result.Usable.SkipLast(1), e => Assert.Contains(e, EncoderProbe.HardwareCandidates));
        // Listed-but-unusable hardware encoders are rejected with a reason, never silently used.
        Assert.All(result.Rejected, r => Assert.False(string.IsNullOrWhiteSpace(r.Value)));
    }
}
