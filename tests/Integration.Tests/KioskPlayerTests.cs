using System.Text.RegularExpressions;

namespace Fleet.Integration.Tests;

/// <summary>
/// The reference kiosk player (<c>/player</c>) in Debian's headless Chromium against a real device agent: the page asks
/// the device for ads, plays them one after another and reports what the video element did, keyed by render id.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class KioskPlayerTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(120); // a warm-up render on a loaded 2-core machine
    private const string Prefix = "fleet-player: ";

    [Fact]
    public async Task The_player_plays_two_ads_in_a_row_and_the_device_telemetry_and_bandit_count_their_quartile_events()
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
            await WarmAsync(edge, client, url);
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

                // Telemetry counted both ads' quartiles (the device's own metrics) ...
                foreach (var kind in new[] { "impression_start", "q25", "q50", "q75", "complete" })
                    await Eventually.Until(() => InteractionsAsync(client, url, kind), n => n >= 2, Within, $"two {kind} in the device's telemetry");
                // ... and the bandit learnt from them: each impression and view to the end credits its headline and its CTA.
                var learnt = await Eventually.Until(() => Task.FromResult(BanditTotals(data)), t => t.Impressions >= 4 && t.Completes >= 4, Within,
                    "two impressions and two completes in the bandit's outcomes");
                Assert.True(learnt.Impressions >= learnt.Completes);
            }
            catch (Exception e) { throw new Exception($"{e.Message}\n--- chromium:\n{browser.Tail()}", e); }
        }, ("edge", edge));
    }

    [Fact]
    public async Task While_renders_fail_or_hang_the_player_shows_the_static_creative_then_replays_its_last_good_ad_without_counting_it_again()
    {
        using var tmp = new TempDir();
        var http = Ports.Free();
        using var edge = FleetProcess.Edge("agent", "--insecure-dev", "--seed", $"127.0.0.1:{Ports.Free()}", "--campaign", SampleCampaign.CopyTo(tmp.Sub("campaign")),
            "--http", $"{http}", "--data", tmp.Sub("e"));
        var url = $"http://127.0.0.1:{http}";
        using var client = new HttpClient { Timeout = Within };
        await FleetProcess.WithLogsOnFailureAsync(async () =>
        {
            await WarmAsync(edge, client, url);
            // The first render request is refused (nothing to show yet: the static creative), the second answers (the
            // one good ad), every later one stalls (that ad must come back, counted once).
            await using var proxy = new RenderFaultProxy(url)
            {
                FaultOf = n => n switch { 1 => RenderFaultProxy.Fault.Refuse, 2 => RenderFaultProxy.Fault.None, _ => RenderFaultProxy.Fault.Stall },
            };
            using var browser = HeadlessChromium.Open($"{proxy.Url}/player?timeout_ms=8000&retry_ms=500", tmp.Sub("chromium"));
            try
            {
                // The replay runs to its end like any ad; what it must not do is report a second impression.
                var console = await Eventually.Until(() => Task.FromResult(browser.Console), c => Ended(c).Count >= 2, Within, "the last good ad replayed to its end");
                var good = Ended(console)[0];
                Assert.Equal(good, Ended(console)[1]);
                var order = new[] { "no ad yet: the static creative", "playing /player/static.mp4", $"playing {good}", $"ended {good}", $"replaying {good}" }
                    .Select(line => console.ToList().FindIndex(l => l.StartsWith(Prefix + line, StringComparison.Ordinal))).ToList();
                Assert.True(order.All(i => i >= 0) && order.SequenceEqual(order.Order()),
                    $"expected the static creative, then the good ad, then its replay; console:\n{string.Join('\n', console)}");
                Assert.Contains(console, l => l.StartsWith(Prefix + "render answered 503", StringComparison.Ordinal));
                Assert.Contains(console, l => l.StartsWith(Prefix + "render failed: no answer within 8000 ms", StringComparison.Ordinal));
                foreach (var kind in new[] { "impression_start", "q25", "q50", "q75", "complete" })
                    Assert.Equal(1, console.Count(l => l.StartsWith($"{Prefix}event {kind} {good} -> ", StringComparison.Ordinal)));
            }
            catch (Exception e) { throw new Exception($"{e.Message}\n--- chromium:\n{browser.Tail()}", e); }
        }, ("edge", edge));
    }

    /// <summary>The local API answers and the agent's warm-up render is done, so render answers come at their usual pace.</summary>
    private static async Task WarmAsync(FleetProcess edge, HttpClient client, string url)
    {
        await Eventually.Until(() => client.GetStringAsync(url + "/healthz"), s => s == "ok\n", Within, "the local API");
        await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Any(x => x.Contains("render pipeline warm:")), Within, "the warm-up render");
    }

    /// <summary>The device's <c>fleet_edge_interactions_total</c> for one event kind, read from its Prometheus scrape.</summary>
    private static async Task<double> InteractionsAsync(HttpClient client, string url, string kind)
    {
        var scrape = await client.GetStringAsync(url + "/metrics");
        return scrape.Split('\n')
            .Where(l => l.StartsWith("fleet_edge_interactions_total{", StringComparison.Ordinal) && l.Contains($"kind=\"{kind}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.IndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Impressions and completes summed over the sample campaign's variants in the bandit's outcome file.</summary>
    private static (long Impressions, long Completes) BanditTotals(string data)
    {
        var path = Path.Combine(data, "personalisation", "outcomes.json");
        if (!File.Exists(path)) return (0, 0);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        if (!doc.RootElement.TryGetProperty("summer-sale", out var campaign)) return (0, 0);
        var variants = campaign.GetProperty("variants").EnumerateObject().Select(v => v.Value).ToList();
        return (variants.Sum(v => v.GetProperty("impressions").GetInt64()), variants.Sum(v => v.GetProperty("completes").GetInt64()));
    }

    /// <summary>Render ids the page played to their end, in order (not the static creative, which has none).</summary>
    private static List<string> Ended(IReadOnlyList<string> console) =>
        console.Select(l => EndedLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The MP4 urls of the renders the page received, in order.</summary>
    private static List<string> Played(IReadOnlyList<string> console) =>
        console.Select(l => ReadyLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The device's answer to each event the page sent for <paramref name="renderId"/>.</summary>
    private static Dictionary<string, int> Answers(IReadOnlyList<string> console, string renderId) =>
        console.Select(l => EventLine().Match(l)).Where(m => m.Success && m.Groups[2].Value == renderId)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => int.Parse(g.First().Groups[3].Value));

    [GeneratedRegex($"^{Prefix}ended ([^/\\s]\\S*)$")]
    private static partial Regex EndedLine();

    [GeneratedRegex($"^{Prefix}render \\S+ ready: (\\S+)$")]
    private static partial Regex ReadyLine();

    [GeneratedRegex($"^{Prefix}event (\\S+) (\\S+) -> (\\d+)$")]
    private static partial Regex EventLine();
}
