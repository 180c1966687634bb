using System.Text.Json.Nodes;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Cli;
using Fleet.TestSupport;

namespace Fleet.Shared.Tests.Campaigns;

/// <summary>The sample campaign's German pool: which locales use it, which fall back (and say so), and pools the loader refuses.</summary>
public sealed class CampaignLocalesTests : IDisposable
{
    private readonly string _dir;

    public CampaignLocalesTests()
    {
        // Stand-in assets: the loader checks that files exist, not what they hold.
        _dir = Directory.CreateTempSubdirectory("fleet-locales-").FullName;
        var sample = Path.Combine(SampleCampaignFixture.RepoRoot, "samples", "summer-sale");
        foreach (var f in new[] { "campaign.json", "template.json" }) File.Copy(Path.Combine(sample, f), Path.Combine(_dir, f));
        Directory.CreateDirectory(Path.Combine(_dir, "assets"));
        foreach (var f in new[] { "hero.mp4", "music.wav", "logo.png", "static.mp4" }) File.WriteAllText(Path.Combine(_dir, "assets", f), f);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private CampaignSpec Spec => CampaignLoader.LoadDirectory(_dir).Spec;

    [Theory]
    [InlineData("de-DE")]
    [InlineData("de")]
    [InlineData("de_AT")]
    public void A_german_locale_gets_the_german_copy_voice_and_blocklist(string locale)
    {
        var (spec, pool, fallback) = CampaignLocales.Resolve(Spec, locale);
        Assert.Equal("de", pool);
        Assert.Null(fallback);
        Assert.All(spec.Headlines.Concat(spec.Ctas), v => Assert.StartsWith("de-", v.Id));
        Assert.Equal("de", spec.Voice.Name);
        Assert.Equal("Sommer-Sale bei SunCo", spec.DefaultCopy.Headline);
        Assert.Contains("kostenlos", spec.Rules.Blocklist);
        Assert.Contains("free", spec.Rules.Blocklist); // the campaign's own words stay blocked
        Assert.Equal(Spec.Rules.BrandLexicon, spec.Rules.BrandLexicon);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("en-GB", null)]
    [InlineData("pt-PT", "pt")]
    [InlineData("<script>-x", "unrecognised")]
    public void Other_locales_use_the_default_pool_and_only_another_language_says_so(string? locale, string? expected)
    {
        var original = Spec;
        var (spec, pool, fallback) = CampaignLocales.Resolve(original, locale);
        Assert.Equal("", pool);
        Assert.Equal(expected, fallback);
        Assert.Equal(original.Headlines, spec.Headlines);
        Assert.Equal("en-us", spec.Voice.Name);
    }

    [Fact]
    public void A_copy_id_used_in_two_pools_is_refused_with_its_locale()
    {
        Edit(j => j["locales"]!["de"]!["headlines"]![0]!["id"] = "h-half-price");
        var e = Assert.Throws<FleetException>(() => Spec);
        Assert.Equal("campaign.json: copy id 'h-half-price' in locale 'de' is used twice (ids are unique across all locales)", e.Message);
    }

    [Theory]
    [InlineData("../de")]
    [InlineData("DE")]
    public void A_locale_name_that_is_not_a_language_tag_is_refused(string name)
    {
        Edit(j =>
        {
            var de = j["locales"]!["de"]!.DeepClone();
            j["locales"]!.AsObject().Remove("de");
            j["locales"]![name] = de;
        });
        Assert.Throws<FleetException>(() => Spec);
    }

    [Fact]
    public void A_locale_voice_outside_the_voice_name_pattern_is_refused()
    {
        Edit(j => j["locales"]!["de"]!["voice"]!["name"] = "de --stdout");
        Assert.Throws<FleetException>(() => Spec);
    }

    private void Edit(Action<JsonObject> edit)
    {
        var path = Path.Combine(_dir, "campaign.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }
}
