using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fleet.Integration.Tests;

/// <summary>
/// A synced version is made ready before its first render is asked for: once it is in force, the device's fast-path
/// ffmpeg steps already wait for it (assemble, voice mix, and personalise for each grade the template allows).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SyncWarmTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_version_going_into_force_has_its_ffmpeg_steps_waiting_before_its_first_render_which_then_takes_the_fast_path()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var campaign = SampleCampaign.CopyTo(tmp.Sub("summer"));
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(campaign)).Status);
        await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { store = "berlin" } });
        var http = Ports.Free();
        var grades = Fleet.Shared.Campaigns.CampaignLoader.LoadDirectory(campaign).Template.Grades.Count;

        using var edge = FleetProcess.Edge("agent", "--insecure-dev", "--seed", cloud.Seed, "--device-id", "kiosk-warm", "--tags", "store=berlin",
            "--data", tmp.Sub("edge"), "--http", $"{http}");
        await FleetProcess.WithLogsOnFailureAsync(async () =>
        {
            await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 1, "kiosk-warm");
            // Nothing has rendered yet: every ffmpeg child is one started ahead for the version now in force.
            await Eventually.Until(() => Task.FromResult(ProcessTree.ChildrenOf(edge.Pid).Count(c => c.Name == "ffmpeg")),
                n => n >= grades + 2, Within, $"{grades} personalise steps, the voice mix and the assembler waiting");

            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(90) };
            using var r = await client.PostAsJsonAsync($"http://127.0.0.1:{http}/v1/render", new { campaign_id = "summer-sale", no_cache = true });
            var body = await r.Content.ReadAsStringAsync();
            Assert.True(r.IsSuccessStatusCode, body);
            var outcome = JsonDocument.Parse(body).RootElement.GetProperty("outcome");
            Assert.Equal("fast", outcome.GetProperty("path").GetString());
            Assert.Empty(outcome.GetProperty("fallbacks").EnumerateArray());
            edge.Terminate();
            await edge.WaitForExitAsync(TimeSpan.FromSeconds(20));
        }, ("edge", edge));
    }
}
