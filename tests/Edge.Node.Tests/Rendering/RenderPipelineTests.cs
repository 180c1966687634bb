using System.Text;
using System.Text.Json;
using Fleet.Edge.Cli;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Node.Tests.Personalisation;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Rendering;
using Fleet.Shared.Cli;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Rendering;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;
using Fleet.TestSupport;

namespace Fleet.Edge.Node.Tests.Rendering;

/// <summary>The whole edge pipeline (policy, model, speech, composite, cache) through the render coordinator.</summary>
public sealed class RenderPipelineTests(SampleCampaignFixture sample) : IClassFixture<SampleCampaignFixture>
{
    private static readonly RenderContext Coffee = new() { Daypart = "morning", Interests = new[] { "coffee" }, Fields = new Dictionary<string, string> { ["price"] = "$4" } };

    // A loaded test machine can take longer than a kiosk's 20 s deadline; what these tests check is the path, not the time.
    private static Task<LocalRenderer> RendererAsync(string data, string? ffmpeg = null, PersonaliseSettings? personalise = null) =>
        LocalRenderer.StartAsync(new RenderSettings { DataDir = data, FfmpegPath = ffmpeg, Deadline = TimeSpan.FromSeconds(90) }, personalise);

    [Fact]
    public async Task A_render_chooses_copy_speaks_composites_and_reports_every_stage()
    {
        var data = sample.NewDir("render");
        await using var r = await RendererAsync(data);
        var o = await r.RenderAsync(sample.Campaign, Coffee, Path.Combine(data, "ad.mp4"), useCache: false);
        Assert.True(o.Success, o.Error);
        Assert.Equal("fast", o.Path);
        Assert.True(new FileInfo(o.OutputPath).Length > 10_000);
        Assert.Contains(sample.Campaign.Spec.Headlines, h => h.Id == o.HeadlineId);
        Assert.Equal("$4", o.Fields["price"]);
        Assert.Empty(o.Fallbacks);
        Assert.True(o.AudioSeconds > 0.5);
        foreach (var stage in new[] { "policy", "personalise", "speech", "composite" }) Assert.True(o.StageMs.ContainsKey(stage), stage);
    }

    [Fact]
    public async Task The_grade_is_chosen_by_context_among_the_templates_grades_and_drawn()
    {
        var data = sample.NewDir("graded");
        await using var r = await RendererAsync(data);
        var rain = await r.RenderAsync(sample.Campaign, new RenderContext { Daypart = "evening", Weather = "heavy rain", Interests = ["umbrellas"] },
            Path.Combine(data, "rain.mp4"), useCache: false);
        var sun = await r.RenderAsync(sample.Campaign, new RenderContext { Daypart = "afternoon", Weather = "sunny", Interests = ["beach"] },
            Path.Combine(data, "sun.mp4"), useCache: false);
        Assert.True(rain.Success && sun.Success, rain.Error ?? sun.Error);
        Assert.Equal(("cool", "warm"), (rain.Grade, sun.Grade));
        Assert.All(new[] { rain, sun }, o => Assert.Equal("fast", o.Path));
    }

    [Fact]
    public async Task The_same_ad_twice_comes_from_the_cache()
    {
        var data = sample.NewDir("cache");
        await using var r = await RendererAsync(data);
        var first = await r.RenderAsync(sample.Campaign, Coffee, Path.Combine(data, "a.mp4"), "Start summer mornings right", "Shop now");
        var second = await r.RenderAsync(sample.Campaign, Coffee, Path.Combine(data, "b.mp4"), "Start summer mornings right", "Shop now");
        Assert.False(first.CacheHit);
        Assert.True(second.CacheHit);
        Assert.Equal(File.ReadAllBytes(first.OutputPath), File.ReadAllBytes(second.OutputPath));
    }

    [Fact]
    public async Task Concurrent_renders_of_the_same_ad_are_rendered_once()
    {
        var data = sample.NewDir("coalesce");
        await using var r = await RendererAsync(data);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            r.RenderAsync(sample.Campaign, Coffee, Path.Combine(data, $"c{i}.mp4"), "Get beach ready with SunCo", "Shop now")));
        Assert.Equal(1, outcomes.Count(o => !o.CacheHit));
        Assert.All(outcomes, o => Assert.True(File.Exists(o.OutputPath)));
    }

    [Fact]
    public async Task A_german_context_gets_german_copy_and_a_locale_without_a_pool_falls_back_and_says_so()
    {
        var data = sample.NewDir("locales");
        await using var r = await RendererAsync(data);
        var german = await r.RenderAsync(sample.Campaign, Coffee with { Locale = "de-DE" }, Path.Combine(data, "de.mp4"), useCache: false);
        Assert.True(german.Success, german.Error);
        Assert.Equal("fast", german.Path);
        Assert.StartsWith("de-", german.HeadlineId);
        Assert.StartsWith("de-", german.CtaId);
        Assert.Null(german.LocaleFallback);

        var portuguese = await r.RenderAsync(sample.Campaign, Coffee with { Locale = "pt-PT" }, Path.Combine(data, "pt.mp4"), useCache: false);
        Assert.True(portuguese.Success, portuguese.Error);
        Assert.Contains(sample.Campaign.Spec.Headlines, h => h.Id == portuguese.HeadlineId);
        Assert.Equal("pt", portuguese.LocaleFallback);
        Assert.Empty(portuguese.Fallbacks); // information, not a degraded render: rollout gates never count it
    }

    [Fact]
    public async Task A_corrupt_model_still_gives_an_ad_with_the_default_copy_and_says_why()
    {
        var data = sample.NewDir("corrupt-model");
        await using var r = await RendererAsync(data, personalise: new PersonaliseSettings(data, ModelDir: ModelFixtures.CorruptModelDir()));
        var o = await r.RenderAsync(sample.Campaign, Coffee, Path.Combine(data, "ad.mp4"), useCache: false);
        Assert.True(o.Success);
        Assert.Equal(sample.Campaign.Spec.DefaultCopy.Headline, o.Headline);
        Assert.Contains(o.Fallbacks, f => f.StartsWith("personalise:default-copy:", StringComparison.Ordinal));
        Assert.Equal("fast", o.Path);
    }

    [Fact]
    public async Task Without_ffmpeg_the_static_creative_plays_and_the_result_says_so()
    {
        var data = sample.NewDir("no-ffmpeg");
        await using var r = await RendererAsync(data, ffmpeg: "/nonexistent/ffmpeg");
        var output = Path.Combine(data, "ad.mp4");
        var o = await r.RenderAsync(sample.Campaign, Coffee, output, useCache: false);
        Assert.True(o.Success);
        Assert.Equal("static-creative", o.Path);
        Assert.Equal(File.ReadAllBytes(sample.Campaign.StaticCreativePath), File.ReadAllBytes(output));
        Assert.Contains(o.Fallbacks, f => f.Contains("static-creative", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_killed_campaign_plays_the_static_creative_and_a_killed_model_the_default_copy()
    {
        var campaignKilled = sample.NewDir("kill-campaign");
        StorePolicy(campaignKilled, KillScope.Parse($"campaign:{sample.Campaign.Spec.Id}"));
        await using (var r = await RendererAsync(campaignKilled))
        {
            var o = await r.RenderAsync(sample.Campaign, Coffee, Path.Combine(campaignKilled, "ad.mp4"), useCache: false);
            Assert.Equal("static-creative", o.Path);
            Assert.Contains("policy:static-creative:kill-1", o.Fallbacks);
        }

        var modelKilled = sample.NewDir("kill-model");
        StorePolicy(modelKilled, KillScope.Parse("model:all-minilm-l6-v2@1.0.0"));
        await using (var r = await RendererAsync(modelKilled))
        {
            var o = await r.RenderAsync(sample.Campaign, Coffee, Path.Combine(modelKilled, "ad.mp4"), useCache: false);
            Assert.Equal("fast", o.Path);
            Assert.Equal(sample.Campaign.Spec.DefaultCopy.Headline, o.Headline);
            Assert.Contains("policy:default-copy:kill-1", o.Fallbacks);
        }
    }

    [Theory]
    [InlineData("{\"locale\": oops}", "malformed JSON at line 1")]
    [InlineData("{\"interests\": \"not-a-list\"}", "malformed JSON")]
    [InlineData("/no/such/context.json", "neither JSON nor a file")]
    public void Bad_context_input_is_a_one_line_usage_error(string raw, string expected)
    {
        var e = Assert.Throws<UsageException>(() => RenderVerb.ParseContext(raw));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>A device that enforced a kill earlier: its signed policy and pinned trust set are on disk.</summary>
    private static void StorePolicy(string dataDir, KillScope scope)
    {
        var ring = SigningKeyRing.OpenOrCreate(Path.Combine(dataDir, "cloud-keys"));
        var policy = new KillPolicy(1, new[] { new KillDirective("kill-1", 1, scope, "test", "sre", DateTimeOffset.UtcNow) }, DateTimeOffset.UtcNow);
        var store = new PolicyStore(dataDir);
        store.OpenTrust(null).Offer(null, Encoding.UTF8.GetString(ring.ExportTrustSetJson()));
        store.Save(ring.Sign(JsonSerializer.SerializeToUtf8Bytes(policy, FleetJson.Options)).ToJson());
    }
}
