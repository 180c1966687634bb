using System.Diagnostics;
using System.Net;
using Fleet.Shared.Campaigns;
using Xunit.Abstractions;

namespace Fleet.Integration.Tests;

/// <summary>
/// The measurements, asserted: an asset set to N devices costs at most N × its size in asset bytes served;
/// re-publishing unchanged content, or a new version that reuses every asset, transfers no asset bytes; and how long
/// publish → every device running the new version takes (p50, max), printed for the report. The suite runs 8 devices
/// and 20 MB; the size is FLEET_SYNC_DEVICES=20 FLEET_SYNC_MB=50.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SyncMeasurementTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Each_device_fetches_each_asset_once_and_unchanged_assets_are_never_sent_again()
    {
        var devices = int.TryParse(Environment.GetEnvironmentVariable("FLEET_SYNC_DEVICES"), out var d) ? d : 8;
        var megabytes = int.TryParse(Environment.GetEnvironmentVariable("FLEET_SYNC_MB"), out var mb) ? mb : 20;
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var dir = SampleCampaign.CopyTo(tmp.Sub("c"));
        var sampleBytes = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        SampleCampaign.AddFiller(dir, "filler", (int)Math.Max(0, megabytes * 1_000_000L - sampleBytes), seed: 7);
        var setBytes = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("campaign.json")).Sum(f => new FileInfo(f).Length);

        var edges = new List<EdgeUnderTest>();
        try
        {
            for (var i = 0; i < devices; i++) edges.Add(DistributionTests.Start(cloud, tmp.Sub($"d{i}"), $"dev-{i:00}", "store=s", 0));
            await cloud.WaitForDevicesUpAsync(devices, TimeSpan.FromSeconds(120));
            var ids = Enumerable.Range(0, devices).Select(i => $"dev-{i:00}").ToArray();

            var first = await PublishAndTimeAsync(cloud, dir, ids, expectVersion: 1, assign: true);
            var served = await TrafficAsync(cloud);
            output.WriteLine($"asset set {setBytes / 1e6:0.0} MB to {devices} devices: {served / 1e6:0.0} MB served ({served / (double)setBytes:0.00} x the set)");
            output.WriteLine($"v1 (with download) publish -> all running: p50 {first.P50:0} ms, max {first.Max:0} ms");
            Assert.True(served <= devices * setBytes, $"served {served} bytes > {devices} x {setBytes}");
            Assert.True(served >= devices * setBytes, $"every device must fetch the set: served {served} bytes");

            var again = await cloud.PublishAsync(dir);
            Assert.Equal(HttpStatusCode.OK, again.Status);
            SampleCampaign.CopyTo(dir, s => s["default_copy"]!["headline"] = "New copy, same assets");
            SampleCampaign.AddFiller(dir, "filler", (int)Math.Max(0, megabytes * 1_000_000L - sampleBytes), seed: 7);
            var second = await PublishAndTimeAsync(cloud, dir, ids, expectVersion: 2, assign: false);
            var servedAfter = await TrafficAsync(cloud);
            output.WriteLine($"v2 (copy change, same assets) publish -> all running: p50 {second.P50:0} ms, max {second.Max:0} ms; asset bytes sent for v2: {servedAfter - served}");
            Assert.Equal(served, servedAfter);
        }
        finally
        {
            await Task.WhenAll(edges.Select(e => e.DisposeAsync().AsTask()));
        }
    }

    private static async Task<long> TrafficAsync(CloudUnderTest cloud) =>
        (await cloud.GetAsync("/api/v1/stats/assets")).Json.GetProperty("bytes_served").GetInt64();

    private static async Task<(double P50, double Max)> PublishAndTimeAsync(CloudUnderTest cloud, string dir, string[] ids, int expectVersion, bool assign)
    {
        var sw = Stopwatch.StartNew();
        var published = await cloud.PublishAsync(dir);
        Assert.Equal(expectVersion, published.Json.GetProperty("version").GetInt32());
        if (assign) await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { } });
        var seen = new Dictionary<string, double>();
        while (seen.Count < ids.Length)
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(4)) throw new TimeoutException($"{seen.Count} of {ids.Length} devices run v{expectVersion}");
            var reports = (await cloud.GetAsync("/api/v1/campaigns/summer-sale/status")).As<List<DeviceSyncReport>>();
            foreach (var r in reports.Where(r => !seen.ContainsKey(r.DeviceId) && r.Running.Any(c => c.CampaignId == "summer-sale" && c.Version == expectVersion)))
                seen[r.DeviceId] = sw.Elapsed.TotalMilliseconds;
            await Task.Delay(25);
        }
        var times = seen.Values.Order().ToList();
        return (times[times.Count / 2], times[^1]);
    }
}
