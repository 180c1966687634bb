using Fleet.Shared.RenderJobs;
using Fleet.Shared.Rendering;

namespace Fleet.Shared.Tests.RenderJobs;

public sealed class RenderVariantsTests
{
    private static TemplateSpec Template() => new()
    {
        Width = 1280, Height = 720, Fps = 30, DurationFrames = 300, BaseVideo = "hero", Personalised = new[] { new FrameRange(210, 300) },
        Layers = new[]
        {
            new LayerSpec { Type = LayerType.Text, Text = "{{headline}}", StartFrame = 210, EndFrame = 300, Y = 230, FontSize = 60, Box = new TextBox("white", 18) },
            new LayerSpec { Type = LayerType.Image, Asset = "logo", StartFrame = 210, EndFrame = 300, X = 80, Y = 110 },
        },
    };

    [Fact]
    public void Scaling_720p_to_1080p_scales_canvas_positions_and_fonts_and_keeps_timing()
    {
        var t = RenderVariants.Scale(Template(), 1080);
        Assert.Equal((1920, 1080), (t.Width, t.Height));
        Assert.Equal(345, t.Layers[0].Y);
        Assert.Equal(90, t.Layers[0].FontSize);
        Assert.Equal(27, t.Layers[0].Box!.Border);
        Assert.Equal((120, 165), (t.Layers[1].X!.Value, t.Layers[1].Y));
        Assert.Equal(Template().Personalised, t.Personalised);
        Assert.Equal(300, t.DurationFrames);
    }

    [Fact]
    public void Widths_stay_even_and_heights_parse_only_when_known()
    {
        Assert.Equal(0, RenderVariants.Scale(Template(), 480).Width % 2);
        Assert.Equal(1080, RenderVariants.ParseHeight("1080p"));
        Assert.Equal(720, RenderVariants.ParseHeight("720"));
        Assert.Null(RenderVariants.ParseHeight("1000p"));
        Assert.Null(RenderVariants.ParseHeight("big"));
    }
}
