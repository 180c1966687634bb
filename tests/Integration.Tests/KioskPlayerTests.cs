using System.Text.RegularExpressions;

namespace Fleet.Integration.Tests;

/// <summary>
/// The reference kiosk player (<c>/player</c>) in Debian's headless Chromium against a real device agent: the page asks
/// the device for ads, plays them one after another and reports what the video element did, keyed by render id.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class KioskPlayerTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private const string Prefix = "fleet-player: ";

    [Fact]
    public async Task The_player_plays_two_ads_in_a_row_and_the_device_accepts_their_quartile_events()
    {
        using var tmp = new TempDir();
        var http = Ports.Free();
        var data = tmp.Sub("e");
        // A device with no cloud to reach: rendering is local, so the player needs nothing else.
        using var edge = FleetProcess.Edge("agent", "--insecure-dev", "--seed", $"127.0.0.1:{Ports.Free()}", "--campaign", SampleCampaign.CopyTo(tmp.Sub("campaign")),
            "--http", $"{http}", "--data", data);
        var url = $"http://127.0.0.1:{http}";
        using var client = new HttpClient { Timeout = Within };
        await FleetProcess.WithLogsOnFailureAsync(async () =>
        {
            await Eventually.Until(() => client.GetStringAsync(url + "/healthz"), s => s == "ok\n", Within, "the local API");
            using var browser = HeadlessChromium.Open($"{url}/player?store=berlin&weather=hot", tmp.Sub("chromium"));
            try
            {
                var ended = await Eventually.Until(() => Task.FromResult(Ended(browser.Console)), e => e.Count >= 2, Within, "two ads played to their end");
                Assert.NotEqual(ended[0], ended[1]); // two renders in a row, not one ad replayed

                foreach (var id in ended.Take(2))
                {
                    // dwell is sent as the ad leaves the screen, so its answer may still be on its way.
                    var answers = await Eventually.Until(() => Task.FromResult(Answers(browser.Console, id)), a => a.ContainsKey("dwell"), Within, $"every event of {id} answered");
                    foreach (var kind in new[] { "impression_start", "q25", "q50", "q75", "complete", "dwell" })
                    {
                        Assert.True(answers.TryGetValue(kind, out var status), $"the page sent no {kind} for {id}");
                        Assert.True(status is >= 200 and < 300, $"the device answered {kind} for {id} with {status}");
                    }
                }
                // What the page played is what the device rendered for it.
                foreach (var mp4 in Played(browser.Console).Take(2))
                    Assert.True(File.Exists(Path.Combine(data, "renders", "out", Path.GetFileName(mp4))), $"{mp4} is not a render of this device");
            }
            catch (Exception e) { throw new Exception($"{e.Message}\n--- chromium:\n{browser.Tail()}", e); }
        }, ("edge", edge));
    }

    /// <summary>Render ids the page played to their end, in order.</summary>
    private static List<string> Ended(IReadOnlyList<string> console) =>
        console.Select(l => EndedLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The MP4 urls of the renders the page received, in order.</summary>
    private static List<string> Played(IReadOnlyList<string> console) =>
        console.Select(l => ReadyLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The device's answer to each event the page sent for <paramref name="renderId"/>.</summary>
    private static Dictionary<string, int> Answers(IReadOnlyList<string> console, string renderId) =>
        console.Select(l => EventLine().Match(l)).Where(m => m.Success && m.Groups[2].Value == renderId)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => int.Parse(g.First().Groups[3].Value));

    [GeneratedRegex($"^{Prefix}ended (\\S+)$")]
    private static partial Regex EndedLine();

    [GeneratedRegex($"^{Prefix}render \\S+ ready: (\\S+)$")]
    private static partial Regex ReadyLine();

    [GeneratedRegex($"^{Prefix}event (\\S+) (\\S+) -> (\\d+)$")]
    private static partial Regex EventLine();
}
