using System.Net;
using System.Text;
using System.Text.Json;
using Fleet.Edge.Hosting;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;

namespace Fleet.Integration.Tests;

/// <summary>Publish → assignment through the cluster → devices fetch, verify and run it; device tokens and signed URLs.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class DistributionTests
{
    [Fact]
    public async Task Devices_run_the_campaigns_assigned_to_their_tags_and_device_tokens_read_only_their_own()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var summer = SampleCampaign.CopyTo(tmp.Sub("summer"));
        var winter = SampleCampaign.CopyTo(tmp.Sub("winter"), s => { s["id"] = "winter"; s["default_copy"]!["headline"] = "Winter deals"; });
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(summer)).Status);
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(winter)).Status);
        await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { store = "berlin" } });
        await cloud.PostJsonAsync("/api/v1/campaigns/winter/assignments", new { tags = new { store = "lisbon" } });

        var berlinHttp = Ports.Free();
        await using var berlin = Start(cloud, tmp.Sub("berlin"), "kiosk-b", "store=berlin", berlinHttp);
        await using var lisbon = Start(cloud, tmp.Sub("lisbon"), "kiosk-l", "store=lisbon", 0);
        await WaitRunningAsync(cloud, "summer-sale", 1, "kiosk-b");
        await WaitRunningAsync(cloud, "winter", 1, "kiosk-l");
        var summerStatus = (await cloud.GetAsync("/api/v1/campaigns/summer-sale/status")).As<List<DeviceSyncReport>>();
        Assert.DoesNotContain(summerStatus, r => r.DeviceId == "kiosk-l");

        // The device's folder is a campaign the render pipeline can load.
        var folder = Path.Combine(tmp.Sub("berlin"), "manifests", "campaigns", "summer-sale", "v1");
        var loaded = CampaignLoader.LoadDirectory(folder);
        Assert.Equal("summer-sale", loaded.Spec.Id);
        Assert.True(File.Exists(loaded.BaseVideoPath));
        using (var local = new HttpClient())
        {
            var status = JsonDocument.Parse(await local.GetStringAsync($"http://127.0.0.1:{berlinHttp}/v1/status")).RootElement;
            Assert.Equal(1, status.GetProperty("manifests").GetProperty("running")[0].GetProperty("version").GetInt32());
        }

        var berlinToken = await cloud.TokenAsync("device", "kiosk-b");
        Assert.Equal(HttpStatusCode.OK, (await cloud.GetAsync("/api/v1/campaigns/summer-sale/versions/1/manifest", berlinToken)).Status);
        var foreign = await cloud.GetAsync("/api/v1/campaigns/winter/versions/1/manifest", berlinToken);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.Status);
        Assert.Contains("not assigned to device 'kiosk-b'", foreign.Error);
        Assert.Equal(HttpStatusCode.Forbidden, (await cloud.GetAsync("/api/v1/devices", berlinToken)).Status);
        var unknownAsset = await cloud.GetAsync("/api/v1/assets/" + new string('a', 64), berlinToken);
        Assert.Equal(HttpStatusCode.Forbidden, unknownAsset.Status);

        // Render contract: a signed URL that expires and opens exactly one manifest.
        var otherDevice = await cloud.PostJsonAsync("/api/v1/ads/render", new { device_id = "kiosk-l", campaign_id = "winter", mode = "hybrid" }, berlinToken);
        Assert.Equal(HttpStatusCode.Forbidden, otherDevice.Status);
        var badMode = await cloud.PostJsonAsync("/api/v1/ads/render", new { device_id = "kiosk-b", campaign_id = "summer-sale", mode = "cloud-only" }, berlinToken);
        Assert.Equal(HttpStatusCode.BadRequest, badMode.Status);
        var render = await cloud.PostJsonAsync("/api/v1/ads/render",
            new { device_id = "kiosk-b", campaign_id = "summer-sale", context = new { locale = "de-DE" }, mode = "edge-first" }, berlinToken);
        Assert.Equal(HttpStatusCode.OK, render.Status);
        var url = render.Json.GetProperty("manifest_url").GetString()!;
        var expires = render.Json.GetProperty("expires_at").GetDateTimeOffset();
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddMinutes(10), DateTimeOffset.UtcNow.AddMinutes(16));
        var viaUrl = await ApiCalls.SendAsync(url, HttpMethod.Get, "", null);
        Assert.Equal(HttpStatusCode.OK, viaUrl.Status);
        var trust = TrustSet.FromJson(Encoding.UTF8.GetBytes((await cloud.GetAsync("/api/v1/keys/trust")).Body));
        Assert.True(ManifestVerifier.Verify(Encoding.UTF8.GetBytes(viaUrl.Body), trust, DateTimeOffset.UtcNow).IsValid);
        Assert.Equal(HttpStatusCode.Forbidden, (await ApiCalls.SendAsync(url[..^2] + (url[^2] == 'A' ? "B" : "A") + url[^1], HttpMethod.Get, "", null)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ApiCalls.SendAsync(url.Replace("/summer-sale/", "/winter/"), HttpMethod.Get, "", null)).Status);

        // A new version reaches the device by itself.
        SampleCampaign.CopyTo(summer, s => s["default_copy"]!["headline"] = "Last summer days");
        Assert.Equal(2, (await cloud.PublishAsync(summer)).Json.GetProperty("version").GetInt32());
        await WaitRunningAsync(cloud, "summer-sale", 2, "kiosk-b");
    }

    internal static EdgeUnderTest Start(CloudUnderTest cloud, string dir, string id, string tags, int http, IReadOnlyList<string>? seeds = null)
    {
        AgentLog.Enabled = false;
        return EdgeUnderTest.Start(cloud.Seed, dir, id, tags, seeds, http: http);
    }

    internal static Task<List<DeviceSyncReport>> WaitRunningAsync(CloudUnderTest cloud, string campaign, int version, params string[] devices) =>
        Eventually.Until(async () => (await cloud.GetAsync($"/api/v1/campaigns/{campaign}/status")).As<List<DeviceSyncReport>>(),
            reports => devices.All(d => reports.Any(r => r.DeviceId == d && r.Running.Any(c => c.CampaignId == campaign && c.Version == version))),
            TimeSpan.FromSeconds(60), $"{string.Join(',', devices)} running {campaign} v{version}");
}
