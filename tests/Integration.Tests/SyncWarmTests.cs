using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fleet.Integration.Tests;

/// <summary>
/// A synced version is made ready before its first render is asked for: once it is in force, and again once the agent
/// restarts, the device's fast-path ffmpeg steps already wait for it (assemble, voice mix, and personalise for each grade
/// the template allows).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SyncWarmTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_version_going_into_force_has_its_ffmpeg_steps_waiting_before_its_first_render_which_then_takes_the_fast_path()
    {
        using var tmp = new TempDir();
        var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var cloudUp = true;
        try
        {
            var campaign = SampleCampaign.CopyTo(tmp.Sub("summer"));
            Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(campaign)).Status);
            await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { store = "berlin" } });
            var http = Ports.Free();
            var grades = Fleet.Shared.Campaigns.CampaignLoader.LoadDirectory(campaign).Template.Grades.Count;
            FleetProcess StartEdge() => FleetProcess.Edge("agent", "--insecure-dev", "--seed", cloud.Seed, "--device-id", "kiosk-warm",
                "--tags", "store=berlin", "--data", tmp.Sub("edge"), "--http", $"{http}");

            using (var edge = StartEdge())
                await FleetProcess.WithLogsOnFailureAsync(async () =>
                {
                    await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 1, "kiosk-warm");
                    await StepsWaitingAsync(edge, grades);
                    await RendersFastAsync(http);
                    edge.Terminate();
                    await edge.WaitForExitAsync(TimeSpan.FromSeconds(20));
                }, ("edge", edge));

            // Restarted with no cloud to reach: the version kept from the last run is made ready the same way.
            await cloud.DisposeAsync();
            cloudUp = false;
            using var restarted = StartEdge();
            await FleetProcess.WithLogsOnFailureAsync(async () =>
            {
                await StepsWaitingAsync(restarted, grades);
                await RendersFastAsync(http);
                restarted.Terminate();
                await restarted.WaitForExitAsync(TimeSpan.FromSeconds(20));
            }, ("restarted edge", restarted));
        }
        finally
        {
            if (cloudUp) await cloud.DisposeAsync();
        }
    }

    /// <summary>Nothing has rendered yet: every ffmpeg child is one started ahead for the version in force.</summary>
    private static Task StepsWaitingAsync(FleetProcess edge, int grades) =>
        Eventually.Until(() => Task.FromResult(ProcessTree.ChildrenOf(edge.Pid).Count(c => c.Name == "ffmpeg")),
            n => n >= grades + 2, Within, $"{grades} personalise steps, the voice mix and the assembler waiting");

    private static async Task RendersFastAsync(int http)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(90) };
        using var r = await client.PostAsJsonAsync($"http://127.0.0.1:{http}/v1/render", new { campaign_id = "summer-sale", no_cache = true });
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, body);
        var outcome = JsonDocument.Parse(body).RootElement.GetProperty("outcome");
        Assert.Equal("fast", outcome.GetProperty("path").GetString());
        Assert.Empty(outcome.GetProperty("fallbacks").EnumerateArray());
    }
}
