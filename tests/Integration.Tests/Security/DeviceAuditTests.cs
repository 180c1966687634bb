using System.Net.Http.Json;
using System.Text;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Hosting;
using Fleet.Edge.Audit;
using Fleet.Edge.Hosting;
using Fleet.Integration.Tests.Gateway;
using Fleet.Shared.Audit;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.Security.Pki;
using AuditHead = Fleet.Shared.Audit.AuditHead;

namespace Fleet.Integration.Tests.Security;

/// <summary>
/// The device's audit log records its renders without their context; its signed chain head reaches the cloud through
/// the gateway, and the cloud uses the heads to prove a copy of the log was (not) rewritten.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class DeviceAuditTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private const string Marker = "zq81x";

    private static Task<DeviceAuditEndpoints.DeviceAuditView> AuditOf(CloudUnderTest cloud, string id) =>
        cloud.Api.GetAsync<DeviceAuditEndpoints.DeviceAuditView>($"api/v1/devices/{id}/audit");

    private static FleetProcess AuditDevice(CloudUnderTest cloud, string id, params string[] more) =>
        FleetProcess.Cloud(["audit", "device", id, "--api", cloud.Options.HttpUrl, "--token", CloudUnderTest.AdminTokenValue, .. more]);

    [Fact]
    public async Task A_render_is_recorded_without_its_context_and_the_uploaded_heads_prove_which_entry_was_changed()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true);
        var data = await cloud.EnrolAsync("kiosk-1", tmp.Sub("edge"));
        var http = Ports.Free();
        await using (var edge = EdgeUnderTest.Start(new EdgeOptions
        {
            Seeds = [], DataDir = data, HttpPort = http, CampaignDir = SampleCampaign.CopyTo(tmp.Sub("campaign")),
            AuditUpload = new AuditUploadSettings { Tick = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromMilliseconds(500) },
        }))
        {
            await cloud.WaitForDevicesUpAsync(1);
            using var player = new HttpClient();
            var context = new
            {
                store = "store-" + Marker, weather = "hail-" + Marker, interests = new[] { "kites-" + Marker },
                fields = new Dictionary<string, string> { ["store"] = "Mall-" + Marker }, user_id = $"ana.{Marker}@example.com",
            };
            var rendered = await player.PostAsJsonAsync($"http://127.0.0.1:{http}/v1/render", new { campaign_id = "summer-sale", context, no_cache = true });
            Assert.True(rendered.IsSuccessStatusCode, await rendered.Content.ReadAsStringAsync());

            var log = AuditActor.PathIn(data);
            var entries = await Eventually.Until(() => Task.FromResult(Entries(log)), e => e.Count(x => x.Action == AuditCommands.Actions.Render) >= 2, Within,
                "the warm-up render and the player's render in the device's audit log");
            var render = entries.Last(e => e.Action == AuditCommands.Actions.Render);
            Assert.StartsWith("summer-sale@", render.Subject);
            Assert.Contains("inputs=", render.Detail);
            Assert.Contains(entries, e => e.Action == AuditCommands.Actions.Enrolled && e.Subject == "kiosk-1");
            Assert.DoesNotContain(Marker, await File.ReadAllTextAsync(log));

            // The head covering the render reaches the cloud, signed by the device, and verifies.
            var view = await Eventually.Until(() => AuditOf(cloud, "kiosk-1"), v => v.Heads.Any(h => h.Seq >= render.Seq), Within, "the head covering the render");
            Assert.True(view.Verified);
            Assert.All(view.Heads, h => Assert.True(h.SignatureValid));
        }

        // An exported copy verifies against the heads; the same copy with one byte changed in the render's entry is pointed at.
        var copy = Path.Combine(tmp.Path, "exported.log");
        File.Copy(AuditActor.PathIn(data), copy);
        using (var ok = AuditDevice(cloud, "kiosk-1", "--log", copy))
            Assert.Equal(0, await ok.WaitForExitAsync(Within));
        var lines = File.ReadAllLines(copy);
        var n = Array.FindIndex(lines, l => l.Contains("\"action\":\"render\""));
        lines[n] = lines[n].Replace("summer-sale@", "summer-salE@");
        File.WriteAllText(copy, string.Join('\n', lines) + "\n");
        using var changed = AuditDevice(cloud, "kiosk-1", "--log", copy);
        Assert.Equal(1, await changed.WaitForExitAsync(Within));
        Assert.Contains(changed.Lines, l => l.StartsWith("stderr:") && l.Contains($"line {n + 1} (seq {n + 1}): content does not match its hash"));
    }

    [Fact]
    public async Task A_head_with_a_bad_signature_or_a_rewritten_chain_is_refused_flagged_and_audited()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true);
        var ca = FleetCa.Load(CloudOptions.DefaultCaKeyPath(tmp.Sub("cloud")));
        using var device = new RawDevice(cloud.Gateway, ca.IssueDeviceWithKey("kiosk-raw", TimeSpan.FromDays(1)), ca.Certificate);
        await device.SendAsync(device.Register("kiosk-raw"));
        Assert.NotNull(await device.UntilAsync(CloudFrame.BodyOneofCase.Registered));

        var head = new AuditHead(5, new string('a', 64), DateTimeOffset.UtcNow);
        var signed = SignedAuditHead.Sign(device.Certificate, "kiosk-raw", head);
        Assert.True((await SendAsync(device, signed)).Accepted);
        Assert.True((await SendAsync(device, signed)).Accepted); // a repeat is fine

        var forged = await SendAsync(device, signed with { Hash = new string('b', 64) });
        Assert.False(forged.Accepted);
        Assert.Contains("signature does not match", forged.Reason);

        var rewritten = await SendAsync(device, SignedAuditHead.Sign(device.Certificate, "kiosk-raw", head with { Hash = new string('c', 64), At = DateTimeOffset.UtcNow }));
        Assert.False(rewritten.Accepted);
        Assert.Contains("rewritten", rewritten.Reason);

        var view = await AuditOf(cloud, "kiosk-raw");
        Assert.False(view.Verified);
        Assert.Equal(new string('a', 64), Assert.Single(view.Heads).Hash);
        Assert.Equal(new string('c', 64), Assert.Single(view.Rewrites).OfferedHash);
        var audit = await File.ReadAllTextAsync(Path.Combine(cloud.Options.DataDir, CloudAudit.LogFile));
        Assert.Contains("device.audit-head-refused", audit);
        Assert.Contains("device.audit-rewritten", audit);
        using var cli = AuditDevice(cloud, "kiosk-raw");
        Assert.Equal(1, await cli.WaitForExitAsync(Within));
        Assert.Contains(cli.Lines, l => l.StartsWith("stderr:") && l.Contains("rewritten chain caught at seq 5"));
    }

    private static async Task<AuditHeadAck> SendAsync(RawDevice device, SignedAuditHead head)
    {
        await device.SendAsync(DeviceFrames.AuditHead(head));
        return (await device.UntilAsync(CloudFrame.BodyOneofCase.AuditHeadAck))!.AuditHeadAck;
    }

    private static List<AuditEntry> Entries(string path)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(AuditEntry.TryParse).OfType<AuditEntry>().ToList();
    }
}
