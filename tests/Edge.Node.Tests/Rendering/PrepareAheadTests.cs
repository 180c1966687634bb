using Fleet.Edge.Rendering;
using Fleet.TestSupport;

namespace Fleet.Edge.Node.Tests.Rendering;

/// <summary>A synced version's template is prepared from its folder before it goes into force; a folder that cannot be prepared says why.</summary>
public sealed class PrepareAheadTests(SampleCampaignFixture sample) : IClassFixture<SampleCampaignFixture>
{
    [Fact]
    public async Task A_campaign_folder_is_prepared_ahead_and_its_first_render_reuses_that_preparation()
    {
        var cache = sample.NewDir("prepared-ahead");
        var prepared = new PreparedTemplates(sample.Runner, cache);

        Assert.Null(await prepared.PrepareAheadAsync(sample.CampaignDir));

        var made = Assert.Single(Directory.GetDirectories(cache));
        Assert.Equal(made, (await prepared.GetAsync(sample.Campaign)).Directory);
    }

    [Fact]
    public async Task A_folder_without_a_campaign_answers_why_and_prepares_nothing()
    {
        var cache = sample.NewDir("prepared-none");
        var why = await new PreparedTemplates(sample.Runner, cache).PrepareAheadAsync(sample.NewDir("empty-campaign"));
        Assert.NotNull(why);
        Assert.Contains("campaign.json", why);
        Assert.Empty(Directory.GetDirectories(cache));
    }
}
