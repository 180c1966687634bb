using Akka.Actor;
using Akka.TestKit.Xunit2;
using Fleet.Edge.Rendering;
using Fleet.Shared.Rendering;
using Fleet.TestSupport;
using static Fleet.Edge.Rendering.CompositeProtocol;

namespace Fleet.Edge.Node.Tests.Rendering;

public sealed class CompositeActorTests(SampleCampaignFixture sample) : TestKit, IClassFixture<SampleCampaignFixture>
{
    private Compose Job(string output) => new(sample.Prepared,
        new RenderRequest { Fields = sample.Fields("Sunglasses from $5") }, output, sample.Campaign.StaticCreativePath);

    [Fact]
    public void Probes_encoders_then_renders_on_the_fast_path()
    {
        var composite = Sys.ActorOf(CompositeActor.Props(sample.Runner));
        var output = Path.Combine(sample.NewDir("ok"), "ad.mp4");
        composite.Tell(Job(output));
        var done = ExpectMsg<Composed>(TimeSpan.FromSeconds(60));
        // A second render of the same template finds its assembler already started.
        var again = Path.Combine(sample.NewDir("ok2"), "ad.mp4");
        composite.Tell(Job(again));
        var second = ExpectMsg<Composed>(TimeSpan.FromSeconds(60));
        Assert.Equal(300, MediaProbe.Read(again).VideoPackets);
        if (second.Encoder == "libx264") Assert.Contains(second.Timings, t => t.Step == "assemble(warm)");
        Sys.Stop(composite);
        Assert.Equal(output, done.OutputPath);
        Assert.Equal(300, MediaProbe.Read(output).VideoPackets);
        // libx264 is last in the chain; when the machine has no usable hardware encoder it is the one used.
        if (done.Encoder == "libx264")
        {
            Assert.Equal("fast", done.Path);
            Assert.Contains(done.Timings, t => t.Step == "personalise");
        }
    }

    [Fact]
    public void Missing_ffmpeg_falls_back_to_the_static_creative_and_says_so()
    {
        var engine = new RenderEngine(new FfmpegRunner(Path.Combine(sample.Root, "no-such-ffmpeg")));
        var composite = Sys.ActorOf(CompositeActor.Props(engine));
        var output = Path.Combine(sample.NewDir("static"), "ad.mp4");
        composite.Tell(Job(output));
        var done = ExpectMsg<Composed>(TimeSpan.FromSeconds(30));
        Assert.Equal(EncoderChain.StaticCreative, done.Path);
        Assert.Equal(new[] { "composite:static-creative:ffmpeg-missing" }, done.Fallbacks);
        Assert.Equal(File.ReadAllBytes(sample.Campaign.StaticCreativePath), File.ReadAllBytes(output));
    }

    [Fact]
    public void Failing_hardware_encoder_falls_back_to_libx264_with_the_reason()
    {
        // h264_vaapi without a device fails here for real; the chain must step down and record why.
        var composite = Sys.ActorOf(CompositeActor.Props(new RenderEngine(sample.Runner), new[] { "h264_vaapi", "libx264" }));
        var output = Path.Combine(sample.NewDir("hw"), "ad.mp4");
        composite.Tell(Job(output));
        var done = ExpectMsg<Composed>(TimeSpan.FromSeconds(60));
        if (File.Exists("/dev/dri/renderD128") && done.Encoder == "h264_vaapi") return; // a real VAAPI device rendered it
        Assert.Equal("libx264", done.Encoder);
        Assert.Equal(new[] { "composite:libx264:h264_vaapi-failed" }, done.Fallbacks);
        Assert.Equal(300, MediaProbe.Read(output).VideoPackets);
    }

    [Fact]
    public void Every_encoder_failing_ends_in_the_static_creative()
    {
        var broken = sample.Prepared with
        {
            Segments = sample.Prepared.Segments.Select(s => s.Personalised ? s : s with { File = "missing.h264" }).ToList(),
        };
        var composite = Sys.ActorOf(CompositeActor.Props(new RenderEngine(sample.Runner), new[] { "libx264" }));
        var output = Path.Combine(sample.NewDir("allfail"), "ad.mp4");
        composite.Tell(new Compose(broken, new RenderRequest { Fields = sample.Fields("x") }, output, sample.Campaign.StaticCreativePath));
        var done = ExpectMsg<Composed>(TimeSpan.FromSeconds(60));
        Assert.Equal(new[] { "composite:static-creative:libx264-failed" }, done.Fallbacks);
        Assert.Equal(File.ReadAllBytes(sample.Campaign.StaticCreativePath), File.ReadAllBytes(output));
    }
}
