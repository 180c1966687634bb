using System.Net;
using System.Net.Http.Headers;
using Akka.Actor;
using Fleet.Cloud.Reports;
using Fleet.Edge.Manifests;
using Fleet.Edge.Personalisation.Bandit;
using Fleet.Edge.Player;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Learning;
using Fleet.Shared.Security;
using Fleet.Shared.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Integration.Tests;

/// <summary>
/// Fleet learning without raw events, through the real parts: player events folded on a device into learning rows,
/// sent through the real telemetry ingest, merged exactly once into <c>fleet_learning</c>, served as a signed prior that
/// a device verifies against the cloud's trust set and ranks from; rows past retention are pruned.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FleetPriorTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private const string Morning = "morning|sun|en|harbour";

    /// <summary>One minute of a device: five viewers in the morning bucket, one clicks; holdout impressions teach nothing.</summary>
    private static TelemetryAggregate Minute(DateTimeOffset at)
    {
        var m = OpenMinute.For(MinuteFold.MinuteOf(at));
        for (var u = 0; u < 5; u++)
        {
            var r = new ShownRender($"r{u}", "summer-sale", "3", "minilm@1", "tpl", "h-coffee", "c-order", "neutral", "en-us@175",
                ArmCounts.Personalised, Morning, at, new string((char)('a' + u), 64));
            string[] kinds = u == 0 ? [PlayerEventKinds.ImpressionStart, PlayerEventKinds.Complete, PlayerEventKinds.Click] : [PlayerEventKinds.ImpressionStart];
            var counted = new List<string>();
            foreach (var k in kinds) counted.AddRange(PlayerEventKinds.NewlyCounted(counted, k));
            m = MinuteFold.Add(m, new PlayerOutcome(r, counted, 0, at));
            m = MinuteFold.Add(m, new PlayerOutcome(r with { RenderId = $"x{u}", Arm = ArmCounts.Holdout }, counted, 0, at));
        }
        return MinuteFold.Seal(m, k: 5);
    }

    private static TelemetryProtocol.Batch Batch(string device, long seq, TelemetryAggregate a) =>
        new(device, seq, [], AggregateCodec.Encode(a), 0, new Dictionary<string, string>());

    [Fact]
    public async Task Device_events_become_a_signed_prior_merged_once_that_a_device_verifies_and_ranks_from()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        await using var cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        using var http = new HttpClient { BaseAddress = new Uri(cloud.Options.HttpUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CloudUnderTest.AdminTokenValue);
        const string path = "api/v1/campaigns/summer-sale/prior?version=3";
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(path)).StatusCode);

        var minute = Minute(Now.AddMinutes(-5));
        Assert.Equal([new PriorRow(Morning, "c-order", 5, 1, 1), new PriorRow(Morning, "h-coffee", 5, 1, 1)], Assert.Single(minute.Groups).Learning);
        foreach (var device in new[] { "kiosk-p1", "kiosk-p2" })
        {
            using var member = await DeviceMember.JoinAsync(cloud.Seed, device);
            var ingest = await member.IngestAsync();
            Assert.Equal(new TelemetryProtocol.Ack(device, 1, false), await ingest.Ask<object>(Batch(device, 1, minute), TimeSpan.FromSeconds(15)));
            // A replay (the device did not hear the ack) teaches nothing twice.
            Assert.Equal(new TelemetryProtocol.Ack(device, 1, true), await ingest.Ask<object>(Batch(device, 1, minute), TimeSpan.FromSeconds(15)));
        }

        var envelope = await http.GetByteArrayAsync(path);
        var trust = cloud.Services.GetRequiredService<SigningKeyRing>().ExportTrustSet();
        var deviceData = tmp.Sub("device");
        var files = new PriorFiles(deviceData);
        var stored = Assert.IsType<PriorOutcome.Stored>(new PriorSync(http, files, TimeProvider.System).Take(envelope, trust, "summer-sale", 3, DateTimeOffset.UtcNow));
        Assert.Equal((2, 2), (stored.Rows, stored.Devices));
        Assert.Equal(new VariantStats(10, 2, 2), files.Row("summer-sale", Morning, "h-coffee"));
        Assert.Equal(new VariantStats(10, 2, 2), files.Row("summer-sale", Morning, "c-order"));

        // The same prior under a key the device does not hold is refused; what it holds stays.
        var stranger = SigningKeyRing.OpenOrCreate(tmp.Sub("stranger"));
        var forged = stranger.Sign(SignedEnvelope.TryParse(envelope, out var e, out _) ? e!.TryDecodePayload()! : []).ToJsonBytes();
        Assert.IsType<PriorOutcome.Refused>(new PriorSync(http, files, TimeProvider.System).Take(forged, trust, "summer-sale", 3, DateTimeOffset.UtcNow));
        Assert.Equal(new VariantStats(10, 2, 2), files.Row("summer-sale", Morning, "h-coffee"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/v1/campaigns/summer-sale/prior?version=4")).StatusCode);

        // Viewers read it; a device token only for campaigns assigned to it (summer-sale is not even published here).
        Assert.Equal(HttpStatusCode.OK, (await cloud.GetAsync("/" + path, await cloud.TokenAsync("viewer"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await cloud.GetAsync("/" + path, await cloud.TokenAsync("device", "kiosk-p1"))).Status);

        using var cli = FleetProcess.Cloud(["campaign", "prior", "summer-sale", "--version", "3", "--api", cloud.Options.HttpUrl, "--token", CloudUnderTest.AdminTokenValue]);
        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var table = string.Join('\n', cli.Lines);
        Assert.Contains("campaign summer-sale v3: fleet prior from 2 device(s)", table);
        Assert.Contains(cli.Lines, l => l.StartsWith(Morning, StringComparison.Ordinal) && l.Contains("h-coffee") && l.Contains("20.00%"));
    }

    [Fact]
    public async Task A_new_device_fetches_verifies_and_stores_the_prior_of_the_campaign_version_it_runs_at_first_sync()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("summer")))).Status);
        await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { store = "berlin" } });
        // What other devices taught about version 1, through the same exactly-once writer the ingest uses.
        var taught = Minute(Now.AddMinutes(-5));
        taught = taught with { Groups = [taught.Groups[0] with { CampaignVersion = "1" }] };
        cloud.Services.GetRequiredService<ReportStore>().Apply([new ReportBatch("kiosk-old", [1], "baseline", taught)], Now, Now.AddDays(-90));

        var data = tmp.Sub("edge");
        await using var edge = DistributionTests.Start(cloud, data, "kiosk-new", "store=berlin", 0);
        await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 1, "kiosk-new");
        var files = new PriorFiles(data);
        var prior = await Eventually.Until(() => Task.FromResult(files.For("summer-sale")), p => p is not null, TimeSpan.FromSeconds(30), "the prior stored");
        Assert.Equal(("1", 1), (prior!.CampaignVersion, prior.Devices));
        Assert.Equal(new VariantStats(5, 1, 1), files.Row("summer-sale", Morning, "h-coffee"));
    }

    [Fact]
    public async Task Learning_rows_are_applied_once_per_batch_and_pruned_with_the_report_retention()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        await db.EnsureReachableAsync();
        var store = ReportStore.Open(db);
        var old = Minute(Now.AddDays(-10));
        var recent = Minute(Now.AddHours(-2));
        Assert.Equal(2, store.Apply([new ReportBatch("kiosk-a", [1], "baseline", old), new ReportBatch("kiosk-b", [1], "baseline", recent)], Now, Now.AddDays(-30)));
        Assert.Equal(0, store.Apply([new ReportBatch("kiosk-a", [1], "baseline", old)], Now, Now.AddDays(-30)));
        var (rows, devices) = store.Learning("summer-sale", "3");
        Assert.Equal((10L, 2), (rows.Single(r => r.VariantId == "h-coffee").Impressions, devices));

        store.Prune(Now.AddDays(-5));
        (rows, devices) = store.Learning("summer-sale", "3");
        Assert.Equal((5L, 1), (rows.Single(r => r.VariantId == "h-coffee").Impressions, devices));
        Assert.Empty(store.Learning("summer-sale", "4").Rows);
    }
}
