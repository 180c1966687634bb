using System.Text.Json.Nodes;
using Fleet.Shared.Cli;
using Fleet.Shared.Rendering;
using Fleet.TestSupport;

namespace Fleet.Shared.Tests.Rendering;

public sealed class TemplateLoaderTests
{
    private static JsonObject Sample() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SampleCampaignFixture.RepoRoot, "samples", "summer-sale", "template.json")))!.AsObject();

    private static string Error(JsonObject template) =>
        Assert.Throws<FleetException>(() => TemplateLoader.Parse(template.ToJsonString())).Message;

    [Fact]
    public void Sample_template_loads_with_frame_exact_ranges()
    {
        var t = TemplateLoader.Parse(Sample().ToJsonString());
        Assert.Equal((1280, 720, 30, 300), (t.Width, t.Height, t.Fps, t.DurationFrames));
        Assert.Equal(new FrameRange(210, 300), Assert.Single(t.Personalised));
        Assert.Contains(t.Layers, l => l.Text == "{{headline}}");
        Assert.Equal(210, t.Voice!.StartFrame);
    }

    [Fact]
    public void Negative_start_frame_names_the_field()
    {
        var t = Sample();
        t["layers"]![0]!["start_frame"] = -1;
        Assert.Equal("template.json: /layers/0/start_frame: must be >= 0", Error(t));
    }

    [Fact]
    public void Missing_required_field_and_unknown_field_are_named()
    {
        var t = Sample();
        t.Remove("fps");
        Assert.StartsWith("template.json: /: missing required", Error(t));
        Assert.Contains("fps", Error(t));

        var u = Sample();
        u["layers"]![1]!["colour"] = "red";
        Assert.StartsWith("template.json: /layers/1/colour: unknown field", Error(u));
    }

    [Fact]
    public void Wrong_type_names_the_field()
    {
        var t = Sample();
        t["voice"]!["max_frames"] = "ninety";
        Assert.StartsWith("template.json: /voice/max_frames:", Error(t));
    }

    [Fact]
    public void Layer_outside_personalised_range_is_refused()
    {
        var t = Sample();
        t["layers"]![1]!["start_frame"] = 30;
        Assert.Equal("template.json: /layers/1: must lie inside one personalised range", Error(t));
    }

    [Fact]
    public void Personalised_range_must_start_on_a_keyframe()
    {
        var t = Sample();
        t["personalised"]![0]!["start_frame"] = 200;
        Assert.Contains("/personalised/0/start_frame: must be a multiple of fps (30)", Error(t));
    }

    [Fact]
    public void Malformed_json_reports_file_line_and_position()
    {
        var dir = Directory.CreateTempSubdirectory("fleet-tpl-").FullName;
        try
        {
            var path = Path.Combine(dir, "template.json");
            File.WriteAllText(path, "{\n  \"width\": 1280,\n  \"height\": ,\n}");
            var e = Assert.Throws<FleetException>(() => TemplateLoader.Load(path));
            Assert.Matches(@"^template\.json: malformed JSON at line 3, position \d+$", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Schema_file_at_repo_root_is_the_embedded_one()
    {
        var onDisk = File.ReadAllText(Path.Combine(SampleCampaignFixture.RepoRoot, "schemas", "template.schema.json"));
        using var s = typeof(TemplateLoader).Assembly.GetManifestResourceStream("Fleet.Shared.Schemas.template.schema.json")!;
        Assert.Equal(onDisk, new StreamReader(s).ReadToEnd());
    }
}
