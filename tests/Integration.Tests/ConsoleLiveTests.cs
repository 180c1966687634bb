using System.Net;
using System.Text.Json;
using Fleet.Shared.Tokens;

namespace Fleet.Integration.Tests;

/// <summary>
/// An open console while the fleet changes around it: a rollout started and promoted from the page, a kill engaged from
/// the CLI, the cloud node restarting, the token revoked; markup in a campaign name or a reason stays text. Each page
/// is saved as a screenshot among the test artifacts.
/// </summary>
public sealed partial class ConsoleTests
{
    [Fact]
    public async Task An_open_console_follows_a_rollout_and_a_cli_kill_live_marks_itself_stale_across_a_cloud_restart_and_signs_out_a_revoked_token()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        CloudUnderTest? cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        var devices = new List<EdgeUnderTest>();
        HeadlessChromium? browser = null;
        try
        {
            devices.AddRange(await RolloutTests.FleetWithV1Async(cloud, tmp, [Ports.Free(), Ports.Free(), Ports.Free()]));
            // A staged version whose name is markup: the page must show the characters, never an <i> element.
            var v2 = SampleCampaign.CopyTo(tmp.Sub("v2"), s =>
            {
                s["name"] = "<i>Summer</i> sale";
                s["default_copy"]!["headline"] = "Last summer days";
            });
            Assert.Equal(HttpStatusCode.Created, (await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, "/api/v1/campaigns?staged=true",
                CloudUnderTest.AdminTokenValue, Fleet.Cloud.Cli.CampaignFolder.Multipart(v2))).Status);
            var op = await TokenAsync(cloud, TokenRoles.Operator);
            browser = HeadlessChromium.Open($"{cloud.Options.HttpUrl}/console#campaigns", tmp.Sub("chromium"), devTools: true);
            await using var page = await DevToolsPage.ConnectAsync(tmp.Sub("chromium"), Within);
            await SignInAsync(page, op.Token);
            await page.EvaluateAsync("window.notReloaded = true");

            await Until(page, "document.querySelector('#page h2')?.textContent", t => t.StartsWith("<i>Summer</i> sale"), "the campaign name as text");
            Assert.Equal("0", await page.TextAsync("document.querySelectorAll('#page i').length"));
            await ScreenshotAsync(page, "campaigns");

            // Start a rollout of the staged version from the Rollouts page, then promote it stage by stage to completion.
            await VisitAsync(page, "#rollouts", "Rollouts", "rollouts-empty");
            await page.EvaluateAsync(Type("#page form.action input[placeholder^='campaign:']", "campaign:summer-sale@2")
                                     + Type("#page form.action input[placeholder='why']", "<script>window.pwned = 1</script>new copy")
                                     + "document.querySelector('#page form.action button[type=submit]').click()");
            const string Status = "document.querySelector('#page article h2 .badge')?.textContent";
            await Until(page, Status, t => t == "running", "the rollout running");
            await Until(page, "document.querySelector('#page article details summary')?.textContent", t => t != "Devices (0)", "a canary cohort");
            for (var promotions = 0; await page.TextAsync(Status) != "completed"; promotions++)
            {
                Assert.True(promotions < 6, "the rollout did not complete after 6 promotions");
                var rows = await page.TextAsync("document.querySelectorAll('#page article details:last-of-type tbody tr').length");
                await page.EvaluateAsync(Type("#page article input[name=reason]", $"<b>promote</b> {promotions + 1}")
                                         + "document.querySelector('#page article button[value=promote]').click()");
                await Until(page, $"document.querySelectorAll('#page article details:last-of-type tbody tr').length + ':' + ({Status})",
                    t => !t.StartsWith(rows + ":", StringComparison.Ordinal) || t.EndsWith(":completed", StringComparison.Ordinal), "the promotion in the history");
            }
            var history = await page.TextAsync("document.querySelector('#page article details:last-of-type tbody').textContent");
            Assert.Contains("<script>window.pwned = 1</script>new copy", history);
            Assert.Contains("<b>promote</b> 1", history);
            Assert.Equal("0", await page.TextAsync("document.querySelectorAll('#page script, #page b').length"));
            await ScreenshotAsync(page, "rollouts");

            // A kill engaged from the CLI while the Kill-switch page is open appears, then fills to 3/3, without a reload.
            await VisitAsync(page, "#kill", "Kill-switch", "kill-before");
            using (var cli = FleetProcess.Cloud("kill", "engage", "--scope", "all-generative", "--reason", "<img src=x onerror=\"window.pwned = 1\"> from the cli",
                       "--api", cloud.Options.HttpUrl, "--token", CloudUnderTest.AdminTokenValue))
                Assert.True(await cli.WaitForExitAsync(Within) == 0, string.Join('\n', cli.Lines));
            await Until(page, "document.querySelector('#page .acks')?.textContent", t => t.StartsWith("3/3 acknowledged"), "3/3 acknowledgements of the CLI's kill");
            Assert.Contains("<img src=x onerror=\"window.pwned = 1\"> from the cli", await page.TextAsync("document.querySelector('#page article.kill').textContent"));
            Assert.Equal("0", await page.TextAsync("document.querySelectorAll('#page img').length"));
            await ScreenshotAsync(page, "kill-engaged-from-the-cli");

            // The other pages, for the record.
            await VisitAsync(page, "#fleet", "Fleet", "fleet-with-kill");
            await VisitAsync(page, "#device/kiosk-1", "Device kiosk-1", "device");
            await VisitAsync(page, "#renders", "Renders", "renders");
            await VisitAsync(page, "#measurement", "Measurement", "measurement");
            await VisitAsync(page, "#review/summer-sale/2", "Copy review", "review-v2");
            Assert.Equal("true", await page.EvaluateAsync("window.notReloaded === true && window.pwned === undefined"));

            // The cloud node goes away under the open page: what it shows is marked stale, not live, until it is back.
            await page.EvaluateAsync("location.hash = '#kill'");
            await Until(page, "document.querySelector('#page .acks')?.textContent", t => t.StartsWith("3/3 acknowledged"), "the kill page again");
            var (port, http) = (cloud.Options.Port, new Uri(cloud.Options.HttpUrl).Port);
            await cloud.DisposeAsync();
            cloud = null;
            await Until(page, "document.getElementById('live').textContent + ' ' + document.getElementById('page').classList.contains('stale')",
                t => t.StartsWith("reconnecting") && t.EndsWith(" true"), "the page marked stale while the node is down");
            Assert.Contains("shown as of", await page.TextAsync("document.getElementById('live').textContent"));
            await ScreenshotAsync(page, "kill-reconnecting");
            cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), port, http);
            await Until(page, "document.getElementById('live').textContent + ' ' + document.getElementById('page').classList.contains('stale')",
                t => t == "live false", "the page live again after the restart");
            Assert.Contains("engaged", await page.TextAsync("document.querySelector('#page article.kill h2').textContent"));
            Assert.Equal("true", await page.EvaluateAsync("window.notReloaded === true"));

            // The token revoked while the page only listens (Measurement re-reads nothing on notices): the stream signs it
            // out with a message saying why.
            await VisitAsync(page, "#measurement", "Measurement", "measurement-before-revocation");
            await cloud.Api.DeleteAsync<TokenReplies.TokenView>($"api/v1/tokens/{op.View.Id}");
            await Until(page, "document.getElementById('signin').hidden ? '' : document.getElementById('signin-error').textContent",
                t => t.Contains("revoked"), "signed out after the revocation");
            Assert.Equal("0", await page.TextAsync("document.querySelectorAll('#page *').length"));
            await ScreenshotAsync(page, "signed-out-revoked");
        }
        catch (Exception e) when (browser is not null) { throw new Exception($"{e.Message}\n--- chromium:\n{browser.Tail()}", e); }
        finally
        {
            browser?.Dispose();
            foreach (var d in devices) await d.DisposeAsync();
            if (cloud is not null) await cloud.DisposeAsync();
        }
    }

    /// <summary>Types into the input <paramref name="selector"/> finds, then the input event the page listens for.</summary>
    private static string Type(string selector, string value) =>
        $"(e => {{ e.value = {JsonSerializer.Serialize(value)}; e.dispatchEvent(new Event('input', {{ bubbles: true }})); }})(document.querySelector({JsonSerializer.Serialize(selector)}));";
}
