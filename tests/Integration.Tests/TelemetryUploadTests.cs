using Fleet.Edge.Telemetry;

namespace Fleet.Integration.Tests;

/// <summary>
/// Renders performed on a device reach the cloud exactly once, through restarts and crashes on either side: the device
/// enrolled and uploading through the gateway, whose node restarts under it.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class TelemetryUploadTests
{
    /// <summary>Many small batches and a slow link, so a restart lands in the middle of the uploads.</summary>
    private static readonly TelemetrySettings SlowLink = new()
    {
        SealPartialMinutes = true, SealInterval = TimeSpan.FromMilliseconds(300), UploadBytesPerSecond = 700, UploadBurstBytes = 700,
        UploadPoll = TimeSpan.FromMilliseconds(200), AckTimeout = TimeSpan.FromSeconds(2),
    };

    [Theory]
    [InlineData(Databases.Sqlite)]
    [InlineData(Databases.Postgres)]
    public async Task A_cloud_restarted_during_upload_ends_with_totals_equal_to_the_renders_performed(string kind)
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(kind, tmp.Path);
        var cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), secure: true);
        var (port, http, gateway) = (cloud.Options.Port, new Uri(cloud.Options.HttpUrl).Port, cloud.Options.GatewayPort);
        var edgeHttp = Ports.Free();
        var data = await cloud.EnrolAsync("kiosk-up", tmp.Sub("edge"), new Dictionary<string, string> { ["store"] = "berlin" });
        await using var edge = EdgeUnderTest.StartEnrolled(data, http: edgeHttp, telemetry: SlowLink);
        await cloud.WaitForDevicesUpAsync(1);

        var performed = 0;
        for (var round = 0; round < 8; round++)
        {
            performed += await TelemetryClient.PostRendersAsync(edgeHttp, 5, performed);
            await Task.Delay(400);
        }
        var mid = await Eventually.Until(() => TelemetryClient.RendersAsync(cloud.Api), n => n > 0, TimeSpan.FromSeconds(30), "first upload");
        Assert.True(mid < performed, $"the restart should interrupt the uploads ({mid} of {performed} already in)");
        using var scrape = new HttpClient();
        Assert.Contains("fleet_telemetry_batches", await scrape.GetStringAsync(cloud.Options.HttpUrl + "/metrics"));

        await cloud.DisposeAsync();
        await using var restarted = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), port, http, secure: true, configure: o => o with { GatewayPort = gateway });
        await TelemetryClient.ExactlyAsync(restarted.Api, performed, TimeSpan.FromSeconds(120));

        var edgeMetrics = await Eventually.Until(() => scrape.GetStringAsync($"http://127.0.0.1:{edgeHttp}/metrics"), _ => true, TimeSpan.FromSeconds(30), "edge metrics");
        Assert.Contains("fleet_edge_outbox_entries", edgeMetrics);
    }

    [Fact]
    public async Task A_device_killed_with_sigkill_mid_upload_and_restarted_loses_and_doubles_nothing()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true);
        var edgeHttp = Ports.Free();
        var data = await cloud.EnrolAsync("kiosk-kill", tmp.Sub("edge"));
        string[] EdgeArgs() => ["agent", "--data", data, "--http", $"{edgeHttp}", "--telemetry-seal", "1", "--upload-bps", "400", "--upload-burst", "400"];
        var edge = FleetProcess.Edge(EdgeArgs());
        await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Any(x => x.Contains("registered as kiosk-kill")), TimeSpan.FromSeconds(40), "registration");

        var performed = 0;
        for (var round = 0; round < 6; round++)
        {
            performed += await TelemetryClient.PostRendersAsync(edgeHttp, 5, performed);
            await Task.Delay(1100);
        }
        var mid = await Eventually.Until(() => TelemetryClient.RendersAsync(cloud.Api), n => n > 0, TimeSpan.FromSeconds(30), "first upload");
        Assert.True(mid < performed, $"the kill should interrupt the uploads ({mid} of {performed} already in)");
        edge.Crash();
        await edge.WaitForExitAsync(TimeSpan.FromSeconds(10));
        edge.Dispose();

        using var again = FleetProcess.Edge(EdgeArgs());
        await Eventually.Until(() => TelemetryClient.PostRendersAsync(edgeHttp, 1, performed), _ => true, TimeSpan.FromSeconds(30), "local API back");
        performed += 1;
        performed += await TelemetryClient.PostRendersAsync(edgeHttp, 9, performed);
        await TelemetryClient.ExactlyAsync(cloud.Api, performed, TimeSpan.FromSeconds(120));
        Assert.Contains(again.Lines, l => l.Contains("registered as kiosk-kill through gateway") && l.Contains("(known device)"));
    }
}
