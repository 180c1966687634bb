using System.Net;
using System.Text;
using System.Text.Json;
using Fleet.Cloud.KillSwitch;
using Fleet.Shared.KillSwitch;

namespace Fleet.Integration.Tests;

/// <summary>
/// A device with no cloud, as a store runs it (real agent processes): it boots from what it has, answers every render
/// while its cloud connection fails again and again, keeps enforcing the last kill it received, and leaves no helper
/// process (ffmpeg, espeak-ng) behind however it is stopped.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class OfflineDeviceTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private const string UnresolvableGateway = "fleet-gateway.invalid:4443";

    [Fact]
    public async Task A_development_device_without_a_cloud_answers_every_render_across_failed_joins_and_a_sigterm_leaves_no_child_behind()
    {
        using var tmp = new TempDir();
        var http = Ports.Free();
        using var edge = FleetProcess.Edge("agent", "--insecure-dev", "--seed", $"127.0.0.1:{Ports.Free()}", "--campaign", SampleCampaign.CopyTo(tmp.Sub("campaign")),
            "--http", $"{http}", "--data", tmp.Sub("e"));
        await FleetProcess.WithLogsOnFailureAsync(async () =>
        {
            await RenderAsync(http, firstCall: true);
            // Each failed join ends a cluster session; the API and the render pipeline must not go with it.
            await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Any(x => x.Contains("join attempt 2:")), Within, "two failed join attempts");
            await RenderAsync(http);
            await RenderAsync(http);

            var children = await WarmChildrenAsync(edge);
            // The waiting mix and assemble steps of the next render and a personalise step per grade rendered so far (the
            // sample allows three), and none left by the sessions that ended.
            Assert.InRange(children.Count(c => c.Name == "ffmpeg"), 3, 5);

            edge.Terminate();
            Assert.Equal(0, await edge.WaitForExitAsync(Within));
            await NoneSurviveAsync(children);
        }, ("edge", edge));
    }

    [Fact]
    public async Task An_enrolled_device_whose_gateway_name_does_not_resolve_boots_from_its_cache_and_a_sigkill_leaves_no_child_behind()
    {
        using var tmp = new TempDir();
        string data;
        await using (var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true))
            data = await cloud.EnrolAsync("kiosk-offline", tmp.Sub("e"));
        var http = Ports.Free();
        using var edge = FleetProcess.Edge("agent", "--gateway", UnresolvableGateway, "--campaign", SampleCampaign.CopyTo(tmp.Sub("campaign")),
            "--http", $"{http}", "--data", data);
        await FleetProcess.WithLogsOnFailureAsync(async () =>
        {
            await RenderAsync(http, firstCall: true);
            await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Count(x => x.Contains($"to gateway {UnresolvableGateway} lost")) >= 2, Within,
                "two failed connections to the unresolvable gateway");
            await RenderAsync(http);

            var children = await WarmChildrenAsync(edge);
            edge.CrashAlone();
            await edge.WaitForExitAsync(Within);
            await NoneSurviveAsync(children);
        }, ("edge", edge));
    }

    [Fact]
    public async Task A_campaign_killed_before_the_cloud_went_away_stays_killed_after_an_offline_restart()
    {
        using var tmp = new TempDir();
        string data, killId;
        await using (var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true))
        {
            data = await cloud.EnrolAsync("kiosk-killed", tmp.Sub("e"));
            await using var online = EdgeUnderTest.StartEnrolled(data);
            await cloud.WaitForDevicesUpAsync(1);
            var engaged = await cloud.Api.PostAsync<KillCommands.Result>("api/v1/kill", new KillSwitchEndpoints.EngageRequest("campaign:summer-sale", "test: bad output"));
            killId = engaged.Directive!.Id;
            await Eventually.Until(() => cloud.Api.GetAsync<KillStatus>($"api/v1/kill/{killId}"), s => s.Pending == 0 && s.Acknowledged == 1, Within, "the device acknowledges");
        }

        var http = Ports.Free();
        using var offline = FleetProcess.Edge("agent", "--gateway", UnresolvableGateway, "--campaign", SampleCampaign.CopyTo(tmp.Sub("campaign")),
            "--http", $"{http}", "--data", data);
        await FleetProcess.WithLogsOnFailureAsync(async () =>
        {
            var reply = await RenderAsync(http, firstCall: true);
            var fallbacks = reply.GetProperty("outcome").GetProperty("fallbacks").EnumerateArray().Select(f => f.GetString()).ToList();
            Assert.Contains($"policy:static-creative:{killId}", fallbacks);
        }, ("edge", offline));
    }

    /// <summary>One render through the device's local API; the first call waits for the API to come up.</summary>
    private static async Task<JsonElement> RenderAsync(int http, bool firstCall = false)
    {
        using var client = new HttpClient { Timeout = Within };
        var url = $"http://127.0.0.1:{http}";
        if (firstCall) await Eventually.Until(() => client.GetStringAsync(url + "/healthz"), s => s == "ok\n", Within, "the local API");
        var answer = await client.PostAsync(url + "/v1/render", new StringContent("{}", Encoding.UTF8, "application/json"));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, $"render answered {(int)answer.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>The agent's children once the ffmpeg steps of its next render are waiting (so there is something to orphan).</summary>
    private static Task<IReadOnlyList<ProcessTree.Child>> WarmChildrenAsync(FleetProcess agent) =>
        Eventually.Until(() => Task.FromResult(ProcessTree.ChildrenOf(agent.Pid)), c => c.Count(x => x.Name == "ffmpeg") >= 3, Within,
            "the warm ffmpeg children of the agent");

    private static Task NoneSurviveAsync(IReadOnlyList<ProcessTree.Child> children) =>
        // The kernel delivers the signal at once; the deadline only covers the children's own teardown.
        Eventually.Until(() => Task.FromResult(ProcessTree.StillAlive(children)), alive => alive.Count == 0, TimeSpan.FromSeconds(20),
            $"no child of the agent left ({string.Join(", ", children.Select(c => $"{c.Name} {c.Pid}"))})");
}
