using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Fleet.Edge.Audit;
using Fleet.Shared.Audit;

namespace Fleet.Integration.Tests;

/// <summary>
/// A corrupt stored asset (an SD card flips a byte) is never rendered: found at use or by the scrub, quarantined, fetched
/// again from the cloud while renders fall back, counted in telemetry; <c>fleet-edge store verify</c> finds it too.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class AssetVerifyTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(90) };

    [Fact]
    public async Task A_flipped_byte_is_never_rendered_but_quarantined_fetched_again_counted_and_found_by_store_verify_and_the_scrub()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var campaign = SampleCampaign.CopyTo(tmp.Sub("summer"));
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(campaign)).Status);
        await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { store = "berlin" } });
        var data = tmp.Sub("edge");
        var http = Ports.Free();
        string[] Agent(params string[] extra) =>
            ["agent", "--insecure-dev", "--seed", cloud.Seed, "--device-id", "kiosk-av", "--tags", "store=berlin", "--data", data, "--http", $"{http}", "--telemetry-seal", "1", .. extra];
        var hero = StorePath(data, Path.Combine(campaign, "assets", "hero.mp4"));

        using (var edge = FleetProcess.Edge(Agent()))
            await FleetProcess.WithLogsOnFailureAsync(async () =>
            {
                await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 1, "kiosk-av");
                Assert.NotEqual("static-creative", (await RenderAsync(http)).GetProperty("path").GetString());

                FlipByte(hero.Path);
                var fallback = await RenderAsync(http);
                Assert.Equal("static-creative", fallback.GetProperty("path").GetString());
                Assert.Contains("render:static-creative:asset-quarantined", Fallbacks(fallback));
                Assert.StartsWith(hero.Sha, Path.GetFileName(Assert.Single(Directory.GetFiles(Path.Combine(data, "quarantine")))));
                await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Any(x => x.Contains("asset 'hero' of summer-sale v1 quarantined, never rendered: sha256 mismatch")),
                    TimeSpan.FromSeconds(10), "the log line");

                await Eventually.Until(() => Task.FromResult(File.Exists(hero.Path) && Sha256(hero.Path) == hero.Sha), ok => ok, TimeSpan.FromSeconds(30), "hero fetched again");
                var restored = await RenderAsync(http);
                Assert.True(restored.GetProperty("path").GetString() != "static-creative", $"static creative again: {string.Join(", ", Fallbacks(restored))}");
                Assert.DoesNotContain("render:static-creative:asset-quarantined", Fallbacks(restored));
                await Eventually.Until(() => TelemetryClient.ReportAsync(cloud.Api, "device=kiosk-av"), r => r.QuarantinedAssets == 1, TimeSpan.FromSeconds(30), "quarantine counted in the cloud");
                edge.Terminate();
                await edge.WaitForExitAsync(TimeSpan.FromSeconds(20));
            }, ("edge", edge));
        using (var log = AuditLog.Open(AuditActor.PathIn(data)))
            Assert.Contains(log.Read(), e => e.Action == "asset-quarantined" && e.Subject == hero.Sha);

        // Offline check of the store: clean, then a flipped byte (its mtime put back, as bit rot leaves it) fails it.
        Assert.Equal(0, await StoreVerifyAsync(data));
        var logo = StorePath(data, Path.Combine(campaign, "assets", "logo.png"));
        FlipByte(logo.Path, keepModified: true);
        Assert.Equal(1, await StoreVerifyAsync(data, logo.Sha));
        Assert.False(File.Exists(logo.Path));

        // The agent starts with the logo missing (fetched again at once); bit rot while it runs is the scrub's to find.
        var music = StorePath(data, Path.Combine(campaign, "assets", "music.wav"));
        using (var edge = FleetProcess.Edge(Agent("--scrub-every", "1s")))
            await FleetProcess.WithLogsOnFailureAsync(async () =>
            {
                await Eventually.Until(() => Task.FromResult(File.Exists(logo.Path)), ok => ok, TimeSpan.FromSeconds(30), "logo fetched again");
                await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Any(x => x.Contains("store scrub:") && x.Contains("all match")), TimeSpan.FromSeconds(30), "a clean scrub");
                FlipByte(music.Path, keepModified: true);
                await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Any(x => x.Contains("asset 'music' of summer-sale v1 quarantined")), TimeSpan.FromSeconds(30), "the scrub's find");
                await Eventually.Until(() => Task.FromResult(File.Exists(music.Path) && Sha256(music.Path) == music.Sha), ok => ok, TimeSpan.FromSeconds(30), "music fetched again");
            }, ("edge", edge));
    }

    private static (string Path, string Sha) StorePath(string data, string source)
    {
        var sha = Sha256(source);
        return (Path.Combine(data, "manifests", "store", sha[..2], sha[2..4], sha), sha);
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static void FlipByte(string path, bool keepModified = false)
    {
        var modified = File.GetLastWriteTimeUtc(path);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write)) f.Write(bytes); // in place, as a flipped bit
        if (keepModified) File.SetLastWriteTimeUtc(path, modified);
    }

    private static async Task<JsonElement> RenderAsync(int http)
    {
        using var r = await Http.PostAsJsonAsync($"http://127.0.0.1:{http}/v1/render", new { campaign_id = "summer-sale", no_cache = true });
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("outcome");
    }

    private static List<string> Fallbacks(JsonElement outcome) => outcome.GetProperty("fallbacks").EnumerateArray().Select(f => f.GetString()!).ToList();

    private static async Task<int> StoreVerifyAsync(string data, string? expectCorrupt = null)
    {
        using var p = FleetProcess.Edge("store", "verify", "--data", data, "--json");
        var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var output = string.Join('\n', p.Lines);
        if (expectCorrupt is not null) Assert.Contains($"\"sha256\": \"{expectCorrupt}\"", output);
        Assert.Contains("\"checked\": 5", output); // template, hero, music, logo, static
        return code;
    }
}
