using System.Text.Json.Nodes;
using System.Net;
using System.Text.RegularExpressions;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.OperatorConsole;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Audit;
using Fleet.Shared.Cli;
using Fleet.Shared.Tokens;

namespace Fleet.Integration.Tests;

/// <summary>
/// The operator console (<c>/console</c>) served by a real cloud node: its files and headers, and in Debian's headless
/// Chromium a person signing in, reading the fleet, engaging a kill and watching the acknowledgements arrive live.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ConsoleTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    // What the cloud renders first for a page (a frame, a preview) prepares the template cold: with the other test
    // assemblies and the browser on two cores that once took longer than 60 s.
    private static readonly TimeSpan RenderWithin = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task The_console_serves_its_page_and_every_asset_with_its_content_type_and_a_policy_that_allows_no_inline_script()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        using var http = new HttpClient { BaseAddress = new Uri(cloud.Options.HttpUrl), Timeout = Within };

        using var page = await http.GetAsync("/console");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Empty(InlineScript().Matches(html));
        Assert.Empty(InlineHandlerOrStyle().Matches(html));

        var expected = new Dictionary<string, string> { [".html"] = "text/html", [".js"] = "text/javascript", [".css"] = "text/css" };
        Assert.Contains("app.js", ConsoleEndpoints.Assets.Keys);
        Assert.Contains("console.css", ConsoleEndpoints.Assets.Keys);
        var referenced = new HashSet<string>();
        foreach (var name in ConsoleEndpoints.Assets.Keys)
        {
            using var asset = await http.GetAsync($"/console/{name}");
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"/console/{name}: {asset.StatusCode}");
            Assert.Equal(expected[Path.GetExtension(name)], asset.Content.Headers.ContentType?.MediaType);
            Assert.Equal(policy, string.Join(' ', asset.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", string.Join(' ', asset.Headers.GetValues("X-Content-Type-Options")));
            var text = await asset.Content.ReadAsStringAsync();
            Assert.Empty(MarkupSink().Matches(text)); // API text becomes DOM text only
            foreach (Match m in Reference().Matches(text)) referenced.Add(m.Groups["file"].Value);
        }
        // Every module and stylesheet the console loads is one it serves: a missing file would break the page offline.
        Assert.Contains("app.js", referenced);
        Assert.All(referenced, f => Assert.Contains(f, ConsoleEndpoints.Assets.Keys));
        using var missing = await http.GetAsync("/console/missing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var me = await cloud.Api.GetAsync<WhoamiEndpoints.Whoami>("api/v1/whoami");
        Assert.Equal(TokenRoles.Admin, me.Role);
    }

    [Fact]
    public async Task An_sre_signs_in_engages_a_kill_and_sees_it_acknowledged_live_and_a_viewer_sees_no_actions_and_is_refused()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true);
        var edges = new List<EdgeUnderTest>();
        // kiosk-1 reports its resource readings every second (not once a minute), for its device page's charts.
        var fastTelemetry = new Fleet.Edge.Telemetry.TelemetrySettings
            { SealPartialMinutes = true, SealInterval = TimeSpan.FromSeconds(1), SampleInterval = TimeSpan.FromSeconds(1) };
        for (var i = 1; i <= 3; i++)
            edges.Add(EdgeUnderTest.StartEnrolled(await cloud.EnrolAsync($"kiosk-{i}", tmp.Sub($"e{i}"),
                new Dictionary<string, string> { ["store"] = "<b>berlin</b>" }), telemetry: i == 1 ? fastTelemetry : null));
        using var browser = HeadlessChromium.Open($"{cloud.Options.HttpUrl}/console", tmp.Sub("chromium"), devTools: true);
        try
        {
            await cloud.WaitForDevicesUpAsync(3);
            var sre = await TokenAsync(cloud, TokenRoles.Sre);
            var viewer = await TokenAsync(cloud, TokenRoles.Viewer);
            await using var page = await DevToolsPage.ConnectAsync(tmp.Sub("chromium"), Within);

            // A wrong token is refused at sign-in.
            await SignInAsync(page, "not-a-token");
            await Until(page, "document.getElementById('signin-error').textContent", t => t.Contains("refused"), "the wrong token refused");

            // Signed in, the fleet shows three devices up, and a tag with markup in it is text, not markup.
            await SignInAsync(page, sre.Token);
            await Until(page, "document.querySelector('#fleet-counts [data-state=up]')?.textContent", t => t == "3", "3 devices up on the Fleet page");
            Assert.Equal("0", await page.TextAsync("document.querySelectorAll('#page td b').length"));
            Assert.Contains("store=<b>berlin</b>", await page.TextAsync("document.querySelector('#page tbody').textContent"));
            await ScreenshotAsync(page, "fleet");
            await OnAPhoneAsync(page, "fleet-phone");

            // A device's page charts its resource readings as they arrive (re-opened until the first CPU reading is in).
            await page.EvaluateAsync("location.hash = '#device/kiosk-1'");
            const string CpuChart = "document.querySelector('#device-charts svg[aria-label^=\"CPU: latest\"]')";
            var cpu = await Until(page, $"(() => {{ const c = {CpuChart}; if (!c) window.dispatchEvent(new HashChangeEvent('hashchange')); return c?.getAttribute('aria-label'); }})()",
                t => t.Length > 0, "a CPU chart on kiosk-1's device page");
            Assert.Matches(@"^CPU: latest [\d.]+ %, peak [\d.]+ % over \d+ period", cpu);
            Assert.Equal("4", await page.TextAsync("document.querySelectorAll('#device-charts svg').length")); // renders, CPU, temperature, memory
            Assert.Contains("Hostname", await page.TextAsync("document.querySelector('#page dl.facts dt:nth-of-type(5)')?.textContent")); // facts as a list, not text
            await ScreenshotAsync(page, "device-charts");

            // Engage from the page: the button stays disabled until the scope is typed again.
            await page.EvaluateAsync("window.notReloaded = true; location.hash = '#kill'");
            await Until(page, "document.getElementById('kill-engage')?.id", t => t == "kill-engage", "the engage form");
            Assert.Equal("true", await page.EvaluateAsync(Fill(("kill-scope", "all-generative"), ("kill-reason", "console test: bad creative"), ("kill-confirm", "all-generativ"))
                                                          + "document.getElementById('kill-engage').disabled"));
            Assert.Equal("false", await page.EvaluateAsync(Fill(("kill-confirm", "all-generative")) + "document.getElementById('kill-engage').disabled"));
            await page.EvaluateAsync("document.getElementById('kill-engage').click()");
            await Until(page, "document.querySelector('#page .acks')?.textContent", t => t.StartsWith("3/3 acknowledged"), "3/3 acknowledgements on the page");
            Assert.Equal("true", await page.EvaluateAsync("window.notReloaded === true")); // live: the page was never reloaded
            await ScreenshotAsync(page, "kill-engaged-from-the-page");
            await OnAPhoneAsync(page, "kill-phone");

            // The audit log says who engaged it and why.
            var audit = await cloud.Api.GetAsync<List<AuditEntry>>("api/v1/audit");
            Assert.Contains(audit, e => e.Actor == sre.View.Id && e.Action == "post /api/v1/kill" && e.Detail!.Contains("status 201")
                                        && e.Detail.Contains("all-generative: console test: bad creative"));
            // ... and so does the Audit page, under a badge saying the hash chain verifies.
            await page.EvaluateAsync("location.hash = '#audit'");
            await Until(page, "document.querySelector('#audit-chain')?.textContent", t => t.StartsWith("verified audit log OK"), "the audit chain verified on the Audit page");
            // The badge and the table are filled by separate requests: wait for the row, not only the badge.
            await Until(page, "document.querySelector('#page tbody')?.textContent", t => t.Contains("console test: bad creative"), "the kill's row on the Audit page");
            await ScreenshotAsync(page, "audit-verified");
            await page.EvaluateAsync("location.hash = '#kill'");
            await Until(page, "document.querySelector('#page article.kill h2')?.textContent", t => t.Contains("engaged"), "back on the Kill-switch page");

            // A viewer sees the kill but no button to release it, nor the rollout form; the API refuses what it would do.
            await page.EvaluateAsync("document.getElementById('signout').click()");
            await SignInByKeyboardAsync(page, viewer.Token);
            await Until(page, "document.getElementById('who').textContent", t => t.Contains("(viewer)"), "signed in as viewer");
            await Until(page, "document.querySelector('#page article.kill h2')?.textContent", t => t.Contains("engaged"), "the kill shown to the viewer");
            Assert.Equal("0", await page.TextAsync("document.querySelectorAll('#page button').length"));
            await page.EvaluateAsync("location.hash = '#rollouts'");
            await Until(page, "document.querySelector('#page h1')?.textContent", t => t == "Rollouts", "the Rollouts page");
            Assert.Equal("0", await page.TextAsync("document.querySelectorAll('#page button, #page form').length"));
            await ScreenshotAsync(page, "rollouts-as-viewer");
            using var asViewer = new ApiClient(cloud.Options.HttpUrl, viewer.Token);
            var state = await cloud.Api.GetAsync<Fleet.Shared.KillSwitch.KillCommands.State>("api/v1/kill");
            var refused = await Assert.ThrowsAsync<FleetException>(() => asViewer.PostAsync<object>($"api/v1/kill/{state.Kills[0].Directive.Id}/release",
                new Fleet.Cloud.KillSwitch.KillSwitchEndpoints.ReleaseRequest("not mine to do")));
            Assert.StartsWith("403", refused.Message);

            // Someone edits the kill's reason in the node's audit log: the Audit page says the chain is broken.
            var log = Path.Combine(cloud.Options.DataDir, CloudAudit.LogFile);
            var bytes = File.ReadAllBytes(log);
            bytes[bytes.AsSpan().IndexOf("bad creative"u8)] = (byte)'B';
            using (var edit = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) edit.Write(bytes);
            await page.EvaluateAsync("location.hash = '#audit'");
            await Until(page, "document.querySelector('#audit-chain')?.textContent", t => t.StartsWith("broken") && t.Contains("content does not match its hash"),
                "the audit chain broken on the Audit page");
            // The list under the badge comes from a second request: wait for it, and it still lists (the edit breaks the chain, not the file).
            await Until(page, "document.querySelector('#audit-chain + div')?.firstChild?.textContent", t => t.StartsWith("The newest"), "the entries under the broken badge");
            await ScreenshotAsync(page, "audit-broken");
            // Refused requests (the wrong token, the viewer's release) are expected; a script error never is.
            Assert.DoesNotContain(browser.Console, l => l.StartsWith("Uncaught", StringComparison.Ordinal));
        }
        catch (Exception e) { throw new Exception($"{e.Message}\n--- chromium:\n{browser.Tail()}", e); }
        finally
        {
            foreach (var e in edges) await e.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_operator_rejects_a_copy_variant_with_a_reason_on_the_review_page_and_a_viewer_sees_no_buttons()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("c"), s => s["rules"]!["blocklist"] = new System.Text.Json.Nodes.JsonArray("beach")));
        using var browser = HeadlessChromium.Open($"{cloud.Options.HttpUrl}/console#review/summer-sale/1", tmp.Sub("chromium"), devTools: true);
        try
        {
            var op = await TokenAsync(cloud, TokenRoles.Operator);
            var viewer = await TokenAsync(cloud, TokenRoles.Viewer);
            await using var page = await DevToolsPage.ConnectAsync(tmp.Sub("chromium"), Within);
            await SignInAsync(page, op.Token);
            const string Row = "[...document.querySelectorAll('#page tbody tr')].find(r => r.cells[0].textContent === 'h-beach-ready')";
            await Until(page, $"{Row}?.cells[4].textContent", t => t == "blocklisted:beach", "the safety verdict on the review page");
            // The reason field is required: the form does not submit without one.
            Assert.Equal("true", await page.EvaluateAsync($"{Row}.querySelector('input').required"));
            await page.EvaluateAsync($"(r => {{ r.querySelector('input').value = 'blocklisted word'; r.querySelector('button[value=reject]').click(); }})({Row})");
            await Until(page, $"{Row}?.cells[5].textContent", t => t == "rejected", "the variant rejected");
            Assert.Contains("blocklisted word", await page.TextAsync($"{Row}.cells[6].textContent"));
            // Its frame: the cloud renders the variant into the template at 360p and the page shows the still.
            await page.EvaluateAsync($"{Row}.querySelector('details.frame').open = true");
            await Until(page, $"{Row}.querySelector('details.frame img')?.naturalHeight || {Row}.querySelector('details.frame .error')?.textContent",
                t => t == "360", "the variant's frame (360p) on the review page", RenderWithin);
            await ScreenshotAsync(page, "review");

            // The Campaigns page plays a preview of the version with the copy picked there (the first variant at first).
            await page.EvaluateAsync("location.hash = '#campaigns'");
            await Until(page, "document.querySelector('#page details.preview')?.tagName", t => t == "DETAILS", "a version's preview on the Campaigns page");
            await page.EvaluateAsync("document.querySelector('#page details.preview').open = true");
            const string Video = "document.querySelector('#page details.preview video')";
            await Until(page, $"{Video}?.error ? 'video error ' + {Video}.error.code : {Video}?.videoHeight || document.querySelector('#page details.preview .error')?.textContent",
                t => t == "360", "the preview playing (360p video) on the Campaigns page", RenderWithin);
            await ScreenshotAsync(page, "campaigns-preview");
            await page.EvaluateAsync("location.hash = '#review/summer-sale/1'");
            // A variant the version does not have is a clear 404, not a render.
            using (var http = new HttpClient { BaseAddress = new Uri(cloud.Options.HttpUrl), Timeout = Within })
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", op.Token);
                using var missing = await http.GetAsync("/api/v1/campaigns/summer-sale/versions/1/review/no-such-variant/clip");
                Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
                Assert.Contains("summer-sale v1 has no copy variant 'no-such-variant'", await missing.Content.ReadAsStringAsync());
            }

            await page.EvaluateAsync("document.getElementById('signout').click()");
            await SignInAsync(page, viewer.Token);
            await Until(page, $"{Row}?.cells[5].textContent", t => t == "rejected", "the review shown to the viewer");
            Assert.Equal("0", await page.TextAsync("document.querySelectorAll('#page button, #page form').length"));
        }
        catch (Exception e) { throw new Exception($"{e.Message}\n--- chromium:\n{browser.Tail()}", e); }
    }

    /// <summary>
    /// Saves what the page shows as <c>console/NAME.png</c> among the test artifacts, for a person to look at after the run
    /// (at 1280×720); a capture that is not a PNG fails the test.
    /// </summary>
    private static async Task ScreenshotAsync(DevToolsPage page, string name)
    {
        var path = Path.Combine(Artifacts.Dir("console"), $"{name}.png");
        await page.ScreenshotAsync(path);
        var png = await File.ReadAllBytesAsync(path);
        Assert.True(png.Length > 1000 && png.AsSpan(0, 8).SequenceEqual(PngSignature), $"{path} is not a PNG screenshot ({png.Length} bytes)");
    }

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Opens a page by its address (<c>#device/kiosk-1</c>), waits for its heading and content, and saves a screenshot.</summary>
    private static async Task VisitAsync(DevToolsPage page, string hash, string heading, string name)
    {
        await page.EvaluateAsync($"location.hash = {System.Text.Json.JsonSerializer.Serialize(hash)}");
        await Until(page, "document.querySelector('#page h1')?.textContent", t => t.StartsWith(heading, StringComparison.Ordinal), $"the {heading} page");
        await Until(page, "document.querySelectorAll('#page :is(table, article, .card, p)').length", t => t != "0", $"the {heading} page's content");
        await ScreenshotAsync(page, name);
    }

    private static Task<TokenReplies.Created> TokenAsync(CloudUnderTest cloud, string role) =>
        cloud.Api.PostAsync<TokenReplies.Created>("api/v1/tokens", new TokenEndpoints.CreateTokenRequest(role, null, $"console {role}"));

    /// <summary>The page at a phone's size (390×844): nothing wider than the screen (tables scroll in their own box).</summary>
    private static async Task OnAPhoneAsync(DevToolsPage page, string screenshot)
    {
        await page.CallAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = 390, ["height"] = 844, ["deviceScaleFactor"] = 2, ["mobile"] = true });
        try
        {
            await Until(page, "String(document.documentElement.scrollWidth <= window.innerWidth)", t => t == "true", $"{screenshot}: the page within a phone's width");
            await ScreenshotAsync(page, screenshot);
        }
        finally { await page.CallAsync("Emulation.clearDeviceMetricsOverride", new JsonObject()); }
    }

    /// <summary>Signs in as a person at a keyboard does: the token typed into the focused field, then Enter.</summary>
    private static async Task SignInByKeyboardAsync(DevToolsPage page, string token)
    {
        await Until(page, "String(!document.getElementById('signin').hidden && (document.getElementById('token').focus(), document.activeElement.id === 'token'))",
            t => t == "true", "the token field focused");
        await page.CallAsync("Input.insertText", new JsonObject { ["text"] = token });
        foreach (var type in new[] { "keyDown", "keyUp" })
            await page.CallAsync("Input.dispatchKeyEvent", new JsonObject
                { ["type"] = type, ["key"] = "Enter", ["code"] = "Enter", ["windowsVirtualKeyCode"] = 13, ["text"] = type == "keyDown" ? "\r" : "" });
    }

    private static Task SignInAsync(DevToolsPage page, string token) =>
        Until(page, $"(() => {{ const f = document.getElementById('signin'); if (f.hidden) return ''; document.getElementById('token').value = {System.Text.Json.JsonSerializer.Serialize(token)}; f.requestSubmit(); return 'sent'; }})()",
            t => t == "sent", "the sign-in form");

    /// <summary>Types into inputs as a person would: the value, then the input event the page listens for.</summary>
    private static string Fill(params (string Id, string Value)[] fields) => string.Concat(fields.Select(f =>
        $"(e => {{ e.value = {System.Text.Json.JsonSerializer.Serialize(f.Value)}; e.dispatchEvent(new Event('input', {{ bubbles: true }})); }})(document.getElementById('{f.Id}'));"));

    private static Task<string> Until(DevToolsPage page, string expression, Func<string, bool> done, string what, TimeSpan? within = null) =>
        Eventually.Until(() => page.TextAsync(expression), done, within ?? Within, what);

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<[^>]+\s(on\w+|style)\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandlerOrStyle();

    [GeneratedRegex(@"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(")]
    private static partial Regex MarkupSink();

    /// <summary>Files a console file loads: <c>from './x.js'</c>, <c>src="/console/x.js"</c>, <c>href="/console/x.css"</c>.</summary>
    [GeneratedRegex(@"(?:from '\./|(?:src|href)=""/console/)(?<file>[\w.-]+\.(?:js|css))")]
    private static partial Regex Reference();
}
