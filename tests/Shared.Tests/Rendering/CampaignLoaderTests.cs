using System.Text.Json.Nodes;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Cli;
using Fleet.TestSupport;

namespace Fleet.Shared.Tests.Rendering;

public sealed class CampaignLoaderTests : IDisposable
{
    private readonly string _dir;

    public CampaignLoaderTests()
    {
        // Small stand-in assets: the loader checks existence and hashes, not media content.
        _dir = Directory.CreateTempSubdirectory("fleet-campaign-").FullName;
        var sample = Path.Combine(SampleCampaignFixture.RepoRoot, "samples", "summer-sale");
        File.Copy(Path.Combine(sample, "campaign.json"), Path.Combine(_dir, "campaign.json"));
        File.Copy(Path.Combine(sample, "template.json"), Path.Combine(_dir, "template.json"));
        Directory.CreateDirectory(Path.Combine(_dir, "assets"));
        foreach (var f in new[] { "hero.mp4", "music.wav", "logo.png", "static.mp4" }) File.WriteAllText(Path.Combine(_dir, "assets", f), f);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void EditCampaign(Action<JsonObject> edit)
    {
        var path = Path.Combine(_dir, "campaign.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void Sample_campaign_loads_with_copy_pool_and_assets()
    {
        var c = CampaignLoader.LoadDirectory(_dir);
        Assert.Equal("summer-sale", c.Spec.Id);
        Assert.True(c.Spec.Headlines.Count >= 6);
        Assert.True(c.Spec.Ctas.Count >= 4);
        Assert.Contains(c.Spec.Headlines, h => h.Text.Contains("{{price}}"));
        Assert.NotEmpty(c.Spec.Rules.Blocklist);
        Assert.Equal(Path.Combine(_dir, "assets", "hero.mp4"), c.BaseVideoPath);
    }

    [Fact]
    public void Missing_asset_is_named()
    {
        File.Delete(Path.Combine(_dir, "assets", "music.wav"));
        var e = Assert.Throws<FleetException>(() => CampaignLoader.LoadDirectory(_dir));
        Assert.Equal("campaign.json: asset 'music' missing: assets/music.wav", e.Message);
    }

    [Fact]
    public void Sha256_mismatch_is_refused_and_a_match_is_accepted()
    {
        var good = CampaignLoader.Sha256Of(Path.Combine(_dir, "assets", "hero.mp4"));
        EditCampaign(j => j["assets"]![0]!["sha256"] = good);
        Assert.Equal("summer-sale", CampaignLoader.LoadDirectory(_dir).Spec.Id);

        File.AppendAllText(Path.Combine(_dir, "assets", "hero.mp4"), "tampered");
        var e = Assert.Throws<FleetException>(() => CampaignLoader.LoadDirectory(_dir));
        Assert.StartsWith($"campaign.json: asset 'hero' sha256 mismatch: expected {good}, got ", e.Message);
    }

    [Fact]
    public void Malformed_campaign_json_names_file_and_position()
    {
        File.WriteAllText(Path.Combine(_dir, "campaign.json"), "{ \"id\": \"x\" \"name\": 1 }");
        var e = Assert.Throws<FleetException>(() => CampaignLoader.LoadDirectory(_dir));
        Assert.Matches(@"^campaign\.json: malformed JSON at line 1, position \d+$", e.Message);
    }

    [Fact]
    public void Campaign_schema_errors_name_the_field()
    {
        EditCampaign(j => j["voice"]!["rate"] = 5);
        var e = Assert.Throws<FleetException>(() => CampaignLoader.LoadDirectory(_dir));
        Assert.Equal("campaign.json: /voice/rate: must be >= 80", e.Message);
    }

    [Fact]
    public void Asset_path_outside_the_folder_is_refused()
    {
        EditCampaign(j => j["assets"]![1]!["path"] = "../../etc/passwd");
        var e = Assert.Throws<FleetException>(() => CampaignLoader.LoadDirectory(_dir));
        Assert.Contains("leaves the campaign folder", e.Message);
    }

    [Fact]
    public void Template_reference_to_unknown_asset_is_refused()
    {
        EditCampaign(j => j["assets"]!.AsArray().RemoveAt(2));
        var e = Assert.Throws<FleetException>(() => CampaignLoader.LoadDirectory(_dir));
        Assert.Equal("campaign.json: template image layer refers to unknown asset 'logo'", e.Message);
    }
}
