using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Edge.Hosting;
using Fleet.Edge.Personalisation.Bandit;
using Fleet.Shared.Cluster;
using Fleet.Shared.Serialization;

namespace Fleet.Integration.Tests;

/// <summary>
/// The kiosk player's loop against a real device (agent in process, no cloud, the sample campaign): render, report
/// events by render id, restart, report again. Checks what is counted, what is refused, and what the bandit learnt.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PlayerEventsTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = Within };

    private static EdgeUnderTest Device(string campaign, string data, int http) => EdgeUnderTest.Start(new EdgeOptions
    {
        Seeds = [SeedAddress.Parse($"127.0.0.1:{Ports.Free()}")],
        InsecureDev = true,
        DataDir = data,
        HttpPort = http,
        CampaignDir = campaign,
    });

    private static async Task<JsonElement> RenderAsync(int http)
    {
        var url = $"http://127.0.0.1:{http}";
        await Eventually.Until(async () => { try { return await Http.GetStringAsync(url + "/healthz"); } catch (HttpRequestException) { return ""; } },
            s => s == "ok\n", Within, "the local API");
        using var answer = await Http.PostAsJsonAsync(url + "/v1/render", new { context = new { daypart = "morning", weather = "sun", locale = "en-GB" } }, FleetJson.Options);
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, $"render answered {(int)answer.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task<(int Status, JsonElement Body)> RawEventAsync(int http, string json, string contentType = "application/json")
    {
        using var answer = await Http.PostAsync($"http://127.0.0.1:{http}/v1/events", new StringContent(json, Encoding.UTF8, contentType));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.DoesNotContain('\n', text.Trim());
        return ((int)answer.StatusCode, JsonDocument.Parse(text).RootElement);
    }

    private static Task<(int Status, JsonElement Body)> EventAsync(int http, string renderId, string kind, long? dwellMs = null) =>
        RawEventAsync(http, JsonSerializer.Serialize(new { render_id = renderId, kind, dwell_ms = dwellMs }));

    [Fact]
    public async Task Events_count_once_per_render_unknown_ids_are_404_and_counts_and_outcomes_survive_a_restart()
    {
        using var tmp = new TempDir();
        var campaign = SampleCampaign.CopyTo(tmp.Sub("campaign"));
        var data = tmp.Sub("e");
        var http = Ports.Free();
        string renderId, headline;
        await using (var device = Device(campaign, data, http))
        {
            var render = await RenderAsync(http);
            renderId = render.GetProperty("render_id").GetString()!;
            headline = render.GetProperty("outcome").GetProperty("headline_id").GetString()!;
            Assert.Equal("personalised", render.GetProperty("arm").GetString());

            var (status, body) = await EventAsync(http, renderId, "q50"); // before impression_start: implies it
            Assert.Equal(202, status);
            Assert.Equal(["impression_start", "q25", "q50"], body.GetProperty("slots").EnumerateArray().Select(s => s.GetString()));
            (status, body) = await EventAsync(http, renderId, "impression_start");
            Assert.Equal((200, false), (status, body.GetProperty("counted").GetBoolean()));

            var flood = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => EventAsync(http, renderId, "click")));
            Assert.Single(flood, f => f.Status == 202 && f.Body.GetProperty("counted").GetBoolean());
            Assert.Equal(39, flood.Count(f => f.Status == 200 && !f.Body.GetProperty("counted").GetBoolean()));

            Assert.Equal(404, (await EventAsync(http, "no-such-render", "click")).Status);
            Assert.Contains("unknown", (await EventAsync(http, "no-such-render", "click")).Body.GetProperty("error").GetString());
            Assert.Equal(400, (await EventAsync(http, renderId, "dwell")).Status); // dwell_ms missing
            Assert.Equal(400, (await EventAsync(http, renderId, "watched")).Status);
            Assert.Equal(400, (await RawEventAsync(http, "{not json")).Status);
            Assert.Equal(415, (await RawEventAsync(http, "{}", "text/plain")).Status);
            Assert.Equal(400, (await RawEventAsync(http, "{\"kind\":\"click\"}")).Status);
            Assert.Equal(202, (await EventAsync(http, renderId, "dwell", 1500)).Status);
        }

        await using (var again = Device(campaign, data, http))
        {
            await RenderAsync(http);
            var (status, body) = await EventAsync(http, renderId, "scan"); // the click slot was filled before the restart
            Assert.Equal((200, false), (status, body.GetProperty("counted").GetBoolean()));
            (status, body) = await EventAsync(http, renderId, "complete");
            Assert.Equal(202, status);
            Assert.Equal(["q75", "complete"], body.GetProperty("slots").EnumerateArray().Select(s => s.GetString()));
            var bucket = "morning|sun|en|-";
            await Eventually.Until(() => Task.FromResult(new OutcomeStore(data).Get("summer-sale", bucket, headline)),
                s => s.Completes == 1, Within, "the bandit learns the view to the end");
        }
        Assert.Equal(new VariantStats(1, 1, 1), new OutcomeStore(data).Get("summer-sale", "morning|sun|en|-", headline));
    }

    [Fact]
    public async Task A_holdout_of_1_shows_the_static_creative_counts_its_events_and_never_teaches_the_bandit()
    {
        using var tmp = new TempDir();
        var campaign = SampleCampaign.CopyTo(tmp.Sub("campaign"), spec => spec["holdout"] = 1.0);
        var data = tmp.Sub("e");
        var http = Ports.Free();
        await using var device = Device(campaign, data, http);
        var render = await RenderAsync(http);
        Assert.Equal("holdout", render.GetProperty("arm").GetString());
        Assert.Equal("holdout", render.GetProperty("outcome").GetProperty("path").GetString());
        Assert.Empty(render.GetProperty("outcome").GetProperty("fallbacks").EnumerateArray());
        var id = render.GetProperty("render_id").GetString()!;
        Assert.Equal(202, (await EventAsync(http, id, "click")).Status);
        Assert.Equal(202, (await EventAsync(http, id, "complete")).Status);
        // The events were queued for the personalise actor before their 202s; an operator preview asks that same actor for
        // its copy, so once the preview is answered the actor has handled both events.
        using var preview = await Http.PostAsJsonAsync($"http://127.0.0.1:{http}/v1/render",
            new { headline = "Preview headline", context = new { daypart = "morning", weather = "sun", locale = "en-GB" } }, FleetJson.Options);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.False(File.Exists(Path.Combine(data, "personalisation", OutcomeStore.FileName)), "a holdout impression taught the bandit");
    }

    [Fact]
    public void A_holdout_share_outside_0_to_1_is_refused_at_load_with_a_clear_error()
    {
        using var tmp = new TempDir();
        var campaign = SampleCampaign.CopyTo(tmp.Sub("campaign"), spec => spec["holdout"] = 1.5);
        var e = Assert.Throws<Fleet.Shared.Cli.FleetException>(() => Fleet.Shared.Campaigns.CampaignLoader.LoadDirectory(campaign));
        Assert.Contains("holdout", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
