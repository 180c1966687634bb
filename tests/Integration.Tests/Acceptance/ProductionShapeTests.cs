using System.Net;
using System.Text.Json;
using Fleet.Shared.Serialization;

namespace Fleet.Integration.Tests.Acceptance;

/// <summary>
/// The fleet as deploy/ runs it: three control nodes (control, render, gateway), each a real process with its own
/// --data, one PostgreSQL, one content store, and devices enrolled with mutual TLS that reach the cloud through every
/// gateway. One journey through what an SRE does at 3 a.m.: rotate, revoke the old key, lose the node that hosts the
/// singletons; every kill reaches every device, content published on a survivor reaches them, certificates renew.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class ProductionShapeTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);
    private static readonly string[] Devices = ["kiosk-1", "kiosk-2"];

    [Fact]
    public async Task Rotation_revocation_and_the_loss_of_the_singleton_host_never_silence_a_kill_or_stop_content()
    {
        using var tmp = new TempDir();
        var db = "postgres:" + (await Databases.FreshAsync(Databases.Postgres, tmp.Path)).ConnectionString;
        // Certificates that live 90 s: the journey outlasts them, so each device must have renewed its own.
        var fleet = CloudProcess.SharedFleet.In(tmp, deviceCertSeconds: 90);
        using var a = await CloudProcess.StartControlAsync(tmp.Sub("a"), db, fleet);
        using var b = await CloudProcess.StartControlAsync(tmp.Sub("b"), db, fleet, a.Seed);
        using var c = await CloudProcess.StartControlAsync(tmp.Sub("c"), db, fleet, a.Seed);
        var gateways = new[] { a.Gateway!, b.Gateway!, c.Gateway! }.SelectMany(g => new[] { "--gateway", g }).ToArray();
        var edges = new List<(string Name, FleetProcess Process)>();
        var serials = new Dictionary<string, string>();
        foreach (var id in Devices)
        {
            // Enrolled through a node that hosts no singleton: the registry and the CA key are everywhere.
            var data = await b.EnrolAsync(id, tmp.Sub(id));
            serials[id] = Fleet.Edge.Identity.EnrolmentStore.Load(data)!.Certificate.SerialNumber;
            edges.Add((id, FleetProcess.Edge(["agent", "--data", data, .. gateways, "--http", $"{Ports.Free()}"])));
        }
        try
        {
            await FleetProcess.WithLogsOnFailureAsync(async () =>
            {
                await Eventually.Until(() => c.GetAsync("/api/v1/devices"), r => UpCount(r) == Devices.Length, Within, "every device up");
                Assert.Equal(HttpStatusCode.Created, (await c.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v1")))).Status);
                Assert.Equal(HttpStatusCode.OK, (await a.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { } })).Status);
                await EveryDeviceRunsAsync(b, 1);
                await AssetServedByEveryNodeAsync([a, b, c]);
                await KillReachesEveryDeviceAsync(b, c, "model:minilm@1.0.0", "before any change");

                var oldKid = ActiveKid(await a.GetAsync("/api/v1/keys"));
                Assert.Equal(HttpStatusCode.OK, (await c.PostJsonAsync("/api/v1/keys/rotate", new { })).Status);
                await KillReachesEveryDeviceAsync(a, b, "template:end-card@1.0.0", "after a rotation made on another node");
                var status = await Eventually.Until(() => b.GetAsync("/api/v1/keys/status"),
                    r => r.Json.GetProperty("on_current").GetInt32() == Devices.Length, Within, "every device on the rotated trust");
                Assert.NotEqual(oldKid, status.Json.GetProperty("active_kid").GetString());

                Assert.Equal(HttpStatusCode.OK, (await b.PostJsonAsync($"/api/v1/keys/{oldKid}/revoke", new { })).Status);
                await KillReachesEveryDeviceAsync(c, a, "campaign:summer-sale", "after the old key was revoked");

                await a.CrashAsync(); // the oldest node: kill authority, campaign store, token store, coordinator
                await KillReachesEveryDeviceAsync(b, c, "model:minilm@9.9.9", "after the singleton host died");
                Assert.Equal(HttpStatusCode.Created,
                    (await c.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "After the crash"))).Status);
                await EveryDeviceRunsAsync(b, 2);

                foreach (var id in Devices)
                    await Eventually.Until(() => Task.FromResult(Fleet.Edge.Identity.EnrolmentStore.Load(tmp.Sub(id))!.Certificate.SerialNumber),
                        serial => serial != serials[id], Within, $"{id} renewed its certificate");
            }, [.. edges, ("a", a.Process), ("b", b.Process), ("c", c.Process)]);
        }
        finally
        {
            foreach (var (_, p) in edges) p.Dispose();
        }
    }

    private static int UpCount(ApiCalls.Answer r) =>
        r.Status != HttpStatusCode.OK ? 0 : r.Json.EnumerateArray().Count(d => d.GetProperty("connectivity").GetString() == "up");

    private static string ActiveKid(ApiCalls.Answer keys) =>
        keys.Json.EnumerateArray().Single(k => k.GetProperty("active").GetBoolean()).GetProperty("kid").GetString()!;

    /// <summary>Engaged through one node, watched through another until every device acknowledged it.</summary>
    private static async Task KillReachesEveryDeviceAsync(CloudProcess engageOn, CloudProcess watchOn, string scope, string when)
    {
        // Right after a fail-over an engage may land while its answer is lost (503): asked again, the authority says the
        // scope is already killed, and by which directive.
        var engaged = await Eventually.Until(() => engageOn.PostJsonAsync("/api/v1/kill", new { scope, reason = "acceptance: " + when }),
            r => r.Status == HttpStatusCode.Created || (r.Status == HttpStatusCode.Conflict && r.Error?.Contains("already killed by ") == true), Within, $"kill engaged {when}");
        var id = engaged.Status == HttpStatusCode.Created ? engaged.Json.GetProperty("directive").GetProperty("id").GetString()
            : engaged.Error![(engaged.Error!.LastIndexOf("already killed by ", StringComparison.Ordinal) + "already killed by ".Length)..];
        await Eventually.Until(() => watchOn.GetAsync($"/api/v1/kill/{id}"),
            r => r.Status == HttpStatusCode.OK && r.Json.GetProperty("acknowledged").GetInt32() == Devices.Length && r.Json.GetProperty("pending").GetInt32() == 0,
            Within, $"every device acknowledged the kill engaged {when}");
    }

    private static Task EveryDeviceRunsAsync(CloudProcess node, int version) =>
        Eventually.Until(() => node.GetAsync("/api/v1/campaigns/summer-sale/status"),
            r => r.Status == HttpStatusCode.OK && r.Json.EnumerateArray().Count(d =>
                d.GetProperty("running").EnumerateArray().Any(x => x.GetProperty("version").GetInt32() == version)) == Devices.Length,
            Within, $"every device runs summer-sale v{version}");

    /// <summary>The content store is shared: every node serves the hero asset of the version another node published.</summary>
    private static async Task AssetServedByEveryNodeAsync(IEnumerable<CloudProcess> nodes)
    {
        var envelope = JsonSerializer.Deserialize<Fleet.Shared.Security.SignedEnvelope>((await nodes.First().GetAsync("/api/v1/campaigns/summer-sale/versions/1/manifest")).Body, FleetJson.Options)!;
        var manifest = JsonSerializer.Deserialize<Fleet.Shared.Manifests.Manifest>(Convert.FromBase64String(envelope.Payload), FleetJson.Options)!;
        var hero = manifest.Assets.OrderByDescending(x => x.Size).First();
        foreach (var node in nodes)
        {
            var answer = await node.GetAsync($"/api/v1/assets/{hero.Sha256}");
            Assert.Equal(HttpStatusCode.OK, answer.Status);
        }
    }
}
