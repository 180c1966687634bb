using System.Text.Json.Nodes;
using Fleet.Shared.Cli;
using Fleet.Shared.Rendering;
using Fleet.Shared.RenderJobs;
using Fleet.TestSupport;

namespace Fleet.Shared.Tests.RenderJobs;

public sealed class PersonalFieldsTests
{
    private static JsonObject Sample() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SampleCampaignFixture.RepoRoot, "samples", "summer-sale", "template.json")))!.AsObject();

    /// <summary>The sample template (headline, price, cta drawn) with first_name and loyalty_id marked pii; <paramref name="greet"/> draws first_name.</summary>
    private static TemplateSpec Template(bool greet)
    {
        var t = Sample();
        t["pii"] = new JsonArray("first_name", "loyalty_id");
        if (greet) t["layers"]!.AsArray().Add(new JsonObject { ["type"] = "text", ["text"] = "Hi {{first_name}}", ["start_frame"] = 210, ["end_frame"] = 300, ["y"] = 40 });
        return TemplateLoader.Parse(t.ToJsonString());
    }

    private static readonly Dictionary<string, string> Fields = new()
    {
        ["headline"] = "Summer Sale", ["cta"] = "Shop now", ["price"] = "$9.99", ["first_name"] = "Alice", ["loyalty_id"] = "LOY-4242", ["store"] = "Berlin",
    };

    [Fact]
    public void Only_the_slot_values_the_template_draws_are_sent_and_never_a_personal_one()
    {
        var sent = PersonalFields.ForCloud(Template(greet: false), Fields, "Summer Sale. Shop now");
        Assert.Equal(new[] { "cta", "headline", "price" }, sent!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_render_that_draws_a_personal_field_sends_nothing()
    {
        Assert.Null(PersonalFields.ForCloud(Template(greet: true), Fields, null));
        Assert.Null(PersonalFields.ForCloud(Template(greet: true), new Dictionary<string, string> { ["headline"] = "x" }, null)); // drawn even when empty here
    }

    [Fact]
    public void Personal_text_inside_copy_or_the_voice_line_is_caught_too()
    {
        var t = Template(greet: false);
        Assert.Null(PersonalFields.ForCloud(t, new Dictionary<string, string>(Fields) { ["headline"] = "Alice, your summer deal" }, null));
        Assert.Null(PersonalFields.ForCloud(t, Fields, "Welcome back alice. Shop now"));
    }

    [Fact]
    public void Hashes_are_salted_per_job_and_never_hashed_twice()
    {
        var a = PersonalFields.Hash("rj-000001-aa", "Summer Sale");
        Assert.True(PersonalFields.IsHash(a));
        Assert.NotEqual(a, PersonalFields.Hash("rj-000002-bb", "Summer Sale"));
        Assert.Equal(a, PersonalFields.Hash("rj-000001-aa", a));
        var spec = PersonalFields.Hashed(new RenderJobSpec("c", 1, 720, new Dictionary<string, string> { ["headline"] = "Summer Sale" }, "Summer Sale."), "rj-000001-aa");
        Assert.Equal(a, spec.Fields["headline"]);
        Assert.True(PersonalFields.IsHash(spec.VoiceLine!));
    }

    [Fact]
    public void A_pii_list_with_copy_names_or_bad_names_is_refused_at_load()
    {
        var t = Sample();
        t["pii"] = new JsonArray("first_name", "cta");
        Assert.Equal("template.json: /pii/1: 'cta' is approved campaign copy, not personal data",
            Assert.Throws<FleetException>(() => TemplateLoader.Parse(t.ToJsonString())).Message);
        t["pii"] = new JsonArray("First Name");
        Assert.Contains("/pii/0", Assert.Throws<FleetException>(() => TemplateLoader.Parse(t.ToJsonString())).Message);
    }
}
