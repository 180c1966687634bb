using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Bench.Browser;
using Fleet.Bench.Simulator;
using Fleet.Shared.Cli;

namespace Fleet.Bench;

/// <summary>
/// The operator console under a fleet of simulated devices: a throwaway cloud (control, render and gateway in one
/// process), N simulated devices connected through its gateway (each its own certificate, TLS connection and stream;
/// they acknowledge kills), and Debian's headless Chromium on <c>/console</c> signed in with the admin token. Measures,
/// per round, a cold load of the Fleet page (first contentful paint, the table of every device drawn, bytes over the
/// wire) and, with the Kill-switch page open, the delay from an acknowledgement in the cloud to the page's progress
/// bar showing it.
/// </summary>
public static class ConsoleBenchmark
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1.5);

    /// <param name="FcpMs">Median first contentful paint of the Fleet page.</param>
    /// <param name="AckToBarMs">
    /// Median first acknowledgement in the cloud → the bar moving. The change stream reads the cloud once a second, so
    /// this is up to 1 s of waiting for the next reading plus the page's re-fetch and redraw; 1.5 s leaves 0.5 s for those.
    /// </param>
    public sealed record Budgets(double FcpMs, double AckToBarMs)
    {
        public static readonly Budgets Default = new(1000, 1500);
    }

    /// <param name="FcpMs">Navigation start → first contentful paint (the browser's own paint timing).</param>
    /// <param name="TableMs">Navigation start → the counts say N up and the table has a row for every device.</param>
    /// <param name="Bytes">
    /// Every byte the load transferred until 1.5 s after the table was drawn (document, assets, API answers, and the
    /// re-read the change stream's first notices cause; the stream itself, still open, excluded).
    /// </param>
    /// <param name="DevicesBytes">Of which <c>GET /api/v1/devices</c> (every time the page asked).</param>
    /// <param name="DevicesRequests">How many times the page asked for the device list.</param>
    public sealed record Load(int Round, double FcpMs, double TableMs, long Bytes, long DevicesBytes, int DevicesRequests);

    /// <param name="FirstAckToBarMs">The cloud's first acknowledgement of the kill → the bar first showing one or more.</param>
    /// <param name="LastAckToFullMs">The cloud's last acknowledgement → the bar full (N/N).</param>
    /// <param name="AckSpreadMs">First → last acknowledgement in the cloud.</param>
    public sealed record KillRound(int Round, string KillId, double FirstAckToBarMs, double LastAckToFullMs, double AckSpreadMs);

    public sealed record Result(int Devices, int Rounds, int Cores, double RegisteredSeconds, IReadOnlyList<Load> Loads, IReadOnlyList<KillRound> Kills,
        double FcpMedianMs, double TableMedianMs, double BytesMedian, double DevicesBytesMedian, double AckToBarMedianMs, double LastAckToFullMedianMs,
        Budgets Budget, IReadOnlyList<string> Missed);

    public static async Task<Result> RunAsync(string cloudDll, int devices, int rounds, int parallel, Action<string> progress)
    {
        ProcessProbe.RequireOpenFiles(devices, devices + 4096, devices + 1024);
        var ids = SimulatorIdentities.LoadOrIssue(SimulatorIdentities.DefaultDir, devices);
        progress($"{devices} device certificates ready in {ids.Seconds:0.0} s");
        var root = Path.Combine(Path.GetTempPath(), "fleet-bench-console-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var cloud = await BenchCloud.StartAsync(cloudDll, Path.Combine(root, "cloud"), JoinBenchmark.FreePort(), JoinBenchmark.FreePort(), mtls: true,
                new BenchCloud.NodeShape(SimulatorIdentities.CaKeyPath(SimulatorIdentities.DefaultDir)));
            await using var sim = new DeviceSimulator(ids.Certificates, ids.Ca, [cloud.Gateway!], parallel);
            var sw = Stopwatch.StartNew();
            await sim.ConnectAllAsync(TimeSpan.FromSeconds(Math.Max(120, devices / 10.0)), progress, () => cloud.ExitReason);
            if (cloud.ExitReason is { } exited) throw new FleetException(exited);
            var (up, upSeconds) = await GatewayBenchmark.WaitApiUpAsync(cloud, devices, sw);
            if (up < devices) throw new FleetException($"only {up} of {devices} simulated devices are up in the cloud after {upSeconds:0} s");
            progress($"{up} devices up in {upSeconds:0.0} s");

            var profile = Path.Combine(root, "chromium");
            using var browser = Open(profile);
            await using var page = await DevToolsPage.ConnectAsync(profile, Within);
            await page.CallAsync("Page.enable", []);
            await page.CallAsync("Network.enable", []);
            await page.CallAsync("Network.setCacheDisabled", new JsonObject { ["cacheDisabled"] = true }); // every load is a cold one
            await page.CallAsync("Page.addScriptToEvaluateOnNewDocument", new JsonObject { ["source"] = Observer(devices) });
            var console = new Uri(cloud.HttpUrl, "console").ToString();

            var loads = new List<Load>();
            for (var round = 1; round <= rounds; round++)
            {
                await NavigateAsync(page, "about:blank");
                await NavigateAsync(page, $"{console}#token={Uri.EscapeDataString(cloud.AdminToken)}&page=fleet");
                await UntilAsync(page, "window.__bench.tableAt !== null", "the Fleet page listing every device");
                await Task.Delay(Settle); // the re-read the change stream's first notices cause belongs to the load's bytes too
                var m = JsonNode.Parse(await page.EvaluateAsync("""
                    (() => {
                      const resources = performance.getEntriesByType('resource');
                      const devices = resources.filter(r => new URL(r.name).pathname === '/api/v1/devices');
                      return { fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1, table: window.__bench.tableAt,
                        bytes: performance.getEntriesByType('navigation')[0].transferSize + resources.reduce((n, r) => n + r.transferSize, 0),
                        devices: devices.reduce((n, r) => n + r.transferSize, 0), asked: devices.length };
                    })()
                    """))!;
                var load = new Load(round, Math.Round(m["fcp"]!.GetValue<double>(), 1), Math.Round(m["table"]!.GetValue<double>(), 1),
                    (long)m["bytes"]!.GetValue<double>(), (long)m["devices"]!.GetValue<double>(), m["asked"]!.GetValue<int>());
                loads.Add(load);
                progress($"load {round}/{rounds}: first contentful paint {load.FcpMs:0} ms, {devices} rows drawn at {load.TableMs:0} ms, {load.Bytes / 1024.0:0} KiB ({load.DevicesBytes / 1024.0:0} KiB devices, asked {load.DevicesRequests}x)");
            }

            var kills = new List<KillRound>();
            await NavigateAsync(page, $"{console}#kill");
            await UntilAsync(page, "document.querySelector('#page h1')?.textContent === 'Kill-switch' && document.getElementById('live').textContent === 'live'",
                "the Kill-switch page, live");
            for (var round = 1; round <= rounds; round++)
            {
                using var engaged = await cloud.PostJsonAsync("api/v1/kill", new { scope = $"model:console-bench@1.0.{round}", reason = "console benchmark" });
                var id = engaged.RootElement.GetProperty("directive").GetProperty("id").GetString()!;
                var issuedAt = engaged.RootElement.GetProperty("directive").GetProperty("issued_at").GetDateTimeOffset();
                var acks = await AllAcknowledgedAsync(cloud, id);
                await UntilAsync(page, $"window.__bench.bars.some(b => b.id === {JsonSerializer.Serialize(id)} && b.value >= {devices})", $"the bar of {id} full");
                var bars = JsonNode.Parse(await page.EvaluateAsync($"window.__bench.bars.filter(b => b.id === {JsonSerializer.Serialize(id)})"))!.AsArray();
                var firstBar = bars.First(b => b!["value"]!.GetValue<double>() > 0)!["at"]!.GetValue<double>();
                var fullBar = bars.First(b => b!["value"]!.GetValue<double>() >= devices)!["at"]!.GetValue<double>();
                var firstAck = issuedAt.ToUnixTimeMilliseconds() + acks.Min();
                var lastAck = issuedAt.ToUnixTimeMilliseconds() + acks.Max();
                var k = new KillRound(round, id, Math.Round(firstBar - firstAck, 1), Math.Round(fullBar - lastAck, 1), Math.Round(acks.Max() - acks.Min(), 1));
                kills.Add(k);
                progress($"kill {round}/{rounds} ({id}): first ack -> bar moving {k.FirstAckToBarMs:0} ms; last ack -> bar full {k.LastAckToFullMs:0} ms (acks spread over {k.AckSpreadMs:0} ms)");
                using var released = await cloud.PostJsonAsync($"api/v1/kill/{id}/release", new { reason = "console benchmark" });
                await AllAcknowledgedAsync(cloud, id);
            }

            var budget = Budgets.Default;
            var r = new Result(devices, rounds, Environment.ProcessorCount, Math.Round(upSeconds, 1), loads, kills,
                Median(loads.Select(l => l.FcpMs)), Median(loads.Select(l => l.TableMs)), Median(loads.Select(l => (double)l.Bytes)),
                Median(loads.Select(l => (double)l.DevicesBytes)), Median(kills.Select(k => k.FirstAckToBarMs)), Median(kills.Select(k => k.LastAckToFullMs)), budget, []);
            var missed = new List<string>();
            if (!(r.FcpMedianMs <= budget.FcpMs)) missed.Add($"Fleet page first contentful paint median {r.FcpMedianMs:0} ms > {budget.FcpMs:0} ms");
            if (!(r.AckToBarMedianMs <= budget.AckToBarMs)) missed.Add($"acknowledgement -> progress bar median {r.AckToBarMedianMs:0} ms > {budget.AckToBarMs:0} ms");
            return r with { Missed = missed };
        }
        finally
        {
            try { Directory.Delete(root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Runs in the page before its own scripts: records when the Fleet table lists every device, and every value the
    /// newest kill's progress bar shows with the wall-clock time it appeared (comparable with the cloud's ack times).
    /// </summary>
    private static string Observer(int devices) => $$"""
        window.__bench = { tableAt: null, bars: [] };
        new MutationObserver(() => {
          const b = window.__bench;
          if (b.tableAt === null && document.querySelector('#fleet-counts [data-state=up]')?.textContent === '{{devices}}'
              && document.querySelectorAll('#page tbody tr').length >= {{devices}}) b.tableAt = performance.now();
          const kill = document.querySelector('#page article.kill'), bar = kill?.querySelector('.progress');
          if (!bar) return;
          const value = Number(bar.getAttribute('aria-valuenow')), last = b.bars[b.bars.length - 1];
          if (!last || last.id !== kill.dataset.kill || last.value !== value)
            b.bars.push({ id: kill.dataset.kill, value, at: performance.timeOrigin + performance.now() });
        }).observe(document, { subtree: true, childList: true, attributes: true });
        """;

    private static HeadlessChromium Open(string profile)
    {
        try { return HeadlessChromium.Open("about:blank", profile, devTools: true); }
        catch (InvalidOperationException e) { throw new FleetException(e.Message); }
    }

    private static async Task NavigateAsync(DevToolsPage page, string url)
    {
        await page.CallAsync("Page.navigate", new JsonObject { ["url"] = url });
        await UntilAsync(page, $"location.href.startsWith({JsonSerializer.Serialize(url.Split('#')[0])}) && document.readyState === 'complete'", $"{url} loaded");
    }

    private static async Task UntilAsync(DevToolsPage page, string condition, string what)
    {
        var deadline = DateTime.UtcNow + Within;
        while (true)
        {
            try { if (await page.EvaluateAsync($"!!({condition})") == "true") return; }
            catch (InvalidOperationException) { } // asked between two documents, or before the page's script defined it
            if (DateTime.UtcNow > deadline) throw new FleetException($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until nothing is pending; returns each device's engage (or release) → acknowledgement in ms, as the cloud recorded it.</summary>
    private static async Task<List<double>> AllAcknowledgedAsync(BenchCloud cloud, string id)
    {
        var deadline = DateTime.UtcNow + Within;
        while (true)
        {
            using var status = await cloud.GetJsonAsync($"api/v1/kill/{id}");
            if (status.RootElement.GetProperty("pending").GetInt32() == 0)
                return status.RootElement.GetProperty("devices").EnumerateArray()
                    .Where(d => d.GetProperty("ack_ms").ValueKind == JsonValueKind.Number).Select(d => d.GetProperty("ack_ms").GetDouble()).ToList();
            if (DateTime.UtcNow > deadline) throw new FleetException($"{id}: devices still pending after {Within.TotalSeconds:0} s");
            await Task.Delay(50);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : Math.Round(sorted[sorted.Length / 2], 1);
    }
}
