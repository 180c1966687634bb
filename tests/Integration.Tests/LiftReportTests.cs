using System.Data.Common;
using System.Text.Json;
using Akka.Actor;
using Fleet.Cloud.Bench;
using Fleet.Cloud.Reports;
using Fleet.Shared.Persistence;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fleet.Integration.Tests;

/// <summary>
/// The lift report through the real ingest path: a device member sends aggregates with both arms as devices do; the
/// report counts each batch once (replays, a report write that failed after the journal write), survives a cloud
/// restart, answers on the API and the CLI, and forgets hours past retention.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class LiftReportTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static ArmCounts P(long n, long q25, long q50, long q75, long done, long clicks, long dwell) => new(ArmCounts.Personalised, n, q25, q50, q75, done, clicks, dwell);
    private static ArmCounts H(long n, long q25, long q50, long q75, long done, long clicks, long dwell) => new(ArmCounts.Holdout, n, q25, q50, q75, done, clicks, dwell);

    /// <summary>Version 3 has both arms; version 4 has no holdout yet.</summary>
    private static readonly (long Seq, TelemetryAggregate Aggregate)[] Minutes =
    [
        (1, SyntheticOutcomes.WithArms(Now.AddMinutes(-30), "summer-sale", "3", "minilm@1.0.0", P(1000, 900, 800, 700, 600, 30, 12_000_000), H(500, 440, 380, 300, 250, 10, 5_000_000))),
        (2, SyntheticOutcomes.WithArms(Now.AddMinutes(-29), "summer-sale", "3", "minilm@1.0.0", P(1000, 900, 800, 700, 620, 34, 12_000_000), H(500, 450, 390, 310, 260, 11, 5_000_000))),
        (3, SyntheticOutcomes.WithArms(Now.AddMinutes(-28), "summer-sale", "4", "minilm@1.0.0", P(200, 180, 160, 140, 120, 5, 2_000_000), H(0, 0, 0, 0, 0, 0, 0))),
    ];

    /// <summary>Sent while the report table is away: journaled, not reported, not acknowledged.</summary>
    private static readonly TelemetryAggregate Lost = SyntheticOutcomes.WithArms(Now.AddMinutes(-27), "summer-sale", "3", "minilm@1.0.0",
        P(100, 90, 80, 70, 60, 4, 1_000_000), H(50, 45, 40, 30, 25, 1, 500_000));

    private static TelemetryProtocol.Batch Batch(long seq, TelemetryAggregate a) => new("kiosk-r1", seq, [], AggregateCodec.Encode(a), 0, new Dictionary<string, string>());

    [Theory]
    [InlineData(Databases.Sqlite)]
    [InlineData(Databases.Postgres)]
    public async Task The_report_counts_each_batch_once_through_replays_a_failed_report_write_and_a_cloud_restart(string kind)
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(kind, tmp.Path);
        var cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        CampaignLiftReport first;
        try
        {
            using (var device = await DeviceMember.JoinAsync(cloud.Seed, "kiosk-r1"))
            {
                var ingest = await device.IngestAsync();
                foreach (var (seq, a) in Minutes) Assert.Equal(new TelemetryProtocol.Ack("kiosk-r1", seq, false), await ingest.Ask<object>(Batch(seq, a), TimeSpan.FromSeconds(15)));
                Assert.Equal(new TelemetryProtocol.Ack("kiosk-r1", 1, true), await ingest.Ask<object>(Batch(1, Minutes[0].Aggregate), TimeSpan.FromSeconds(15)));

                // A crash between the journal write and the report write, made real: the report table is away, so
                // seq 4 reaches the journal but not the report, and the device hears nothing; it sends the batch again.
                await SqlAsync(db, "ALTER TABLE fleet_report_rollups RENAME TO fleet_report_rollups_away");
                await Assert.ThrowsAsync<AskTimeoutException>(() => ingest.Ask<object>(Batch(4, Lost), TimeSpan.FromSeconds(3)));
                await SqlAsync(db, "ALTER TABLE fleet_report_rollups_away RENAME TO fleet_report_rollups");
                Assert.Equal(new TelemetryProtocol.Ack("kiosk-r1", 4, true), await ingest.Ask<object>(Batch(4, Lost), TimeSpan.FromSeconds(15)));
            }
            first = await cloud.Api.GetAsync<CampaignLiftReport>("api/v1/reports/campaigns/summer-sale?since=1d");
            AssertCounts(first);
        }
        finally { await cloud.DisposeAsync(); }

        await using var restarted = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        using (var device = await DeviceMember.JoinAsync(restarted.Seed, "kiosk-r1"))
        {
            var ingest = await Eventually.Until(device.IngestAsync, _ => true, TimeSpan.FromSeconds(30), "the ingest singleton");
            Assert.Equal(new TelemetryProtocol.Ack("kiosk-r1", 2, true), await ingest.Ask<object>(Batch(2, Minutes[1].Aggregate), TimeSpan.FromSeconds(15)));
        }
        var after = await restarted.Api.GetAsync<CampaignLiftReport>("api/v1/reports/campaigns/summer-sale?since=1d");
        AssertCounts(after);
        Assert.Equal(JsonSerializer.Serialize(first.Versions, FleetJson.Options), JsonSerializer.Serialize(after.Versions, FleetJson.Options));
        if (kind == Databases.Sqlite) await CliAnswersAsync(restarted, after);
    }

    private static void AssertCounts(CampaignLiftReport r)
    {
        Assert.Equal(["3", "4"], r.Versions.Select(v => v.CampaignVersion));
        var v3 = r.Versions[0];
        var (p, h) = (v3.Arms.Single(a => a.Id == ArmCounts.Personalised), v3.Arms.Single(a => a.Id == ArmCounts.Holdout));
        Assert.Equal((2100L, 68L, 1280L), (p.Impressions, p.Clicks, p.Completes));
        Assert.Equal((1050L, 22L, 535L), (h.Impressions, h.Clicks, h.Completes));
        Assert.Equal(Math.Round(1890.0 / 2100, 6), p.Q25Reach);
        Assert.Equal(Math.Round(25_000_000.0 / 2100, 1), p.MeanEngagementMs);
        var (lift, ci) = LiftStatistics.RelativeLift(68, 2100, 22, 1050);
        Assert.Equal((Math.Round(lift, 6), Math.Round(ci.Low, 6), Math.Round(ci.High, 6)), (v3.Ctr.RelativeLift!.Value, v3.Ctr.RelativeLow!.Value, v3.Ctr.RelativeHigh!.Value));
        Assert.Equal(2100, v3.Variants.Single(v => v.Id == "h0").Impressions);
        var v4 = r.Versions[1];
        Assert.Equal(200, v4.Arms.Single(a => a.Id == ArmCounts.Personalised).Impressions);
        Assert.Equal((LiftReportBuilder.NoHoldout, (double?)null), (v4.Ctr.Verdict, v4.Ctr.RelativeLift));
        Assert.Equal(LiftReportBuilder.NoHoldout, v4.Vtr.Verdict);
    }

    private static async Task CliAnswersAsync(CloudUnderTest cloud, CampaignLiftReport expected)
    {
        async Task<(int Code, string Out)> Cli(params string[] args)
        {
            using var p = FleetProcess.Cloud([.. args, "--api", cloud.Options.HttpUrl, "--token", CloudUnderTest.AdminTokenValue]);
            var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(60));
            return (code, string.Join('\n', p.Lines));
        }

        var (code, output) = await Cli("report", "campaign", "summer-sale", "--since", "1d", "--json");
        Assert.Equal(0, code);
        var parsed = JsonSerializer.Deserialize<CampaignLiftReport>(output, FleetJson.Options)!;
        Assert.Equal(JsonSerializer.Serialize(expected.Versions, FleetJson.Options), JsonSerializer.Serialize(parsed.Versions, FleetJson.Options));

        (code, output) = await Cli("report", "campaign", "summer-sale", "--version", "4");
        Assert.Equal((0, true, false), (code, output.Contains(LiftReportBuilder.NoHoldout), output.Contains("NaN")));
        (code, output) = await Cli("report", "campaign", "summer-sale", "--since", "a-while");
        Assert.Equal((2, true), (code, output.Contains("--since 'a-while' is not a duration")));
        Assert.Single(output.Split('\n'));
        (code, output) = await Cli("report", "campaign", "winter-sale");
        Assert.Equal((1, true), (code, output.Contains("campaign 'winter-sale' is not published and no device reported outcomes for it")));
        Assert.Single(output.Split('\n'));
    }

    [Fact]
    public async Task Hours_past_the_report_retention_are_deleted_when_the_cloud_starts_and_old_periods_add_nothing()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        await db.EnsureReachableAsync();
        var store = ReportStore.Open(db);
        var old = SyntheticOutcomes.WithArms(Now.AddDays(-10), "summer-sale", "3", "m@1", P(10, 9, 8, 7, 6, 1, 1000), H(5, 4, 3, 2, 1, 0, 500));
        var recent = SyntheticOutcomes.WithArms(Now.AddHours(-2), "summer-sale", "3", "m@1", P(20, 18, 16, 14, 12, 2, 2000), H(5, 4, 3, 2, 1, 0, 500));
        Assert.Equal(2, store.Apply([new ReportBatch("kiosk-a", [1], "baseline", old), new ReportBatch("kiosk-a", [2], "baseline", recent)], Now, Now.AddDays(-30)));
        Assert.Equal(40, Impressions(store));

        await using (var cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), configure: o => o with { ReportRetention = TimeSpan.FromDays(5) }))
            await Eventually.Until(() => Task.FromResult(Impressions(store)), n => n == 25, TimeSpan.FromSeconds(30), "the 10-day-old hour deleted");

        // A period already past retention is only marked applied: it would be deleted at the next pass anyway.
        Assert.Equal(1, store.Apply([new ReportBatch("kiosk-a", [3], "baseline", old)], Now, Now.AddDays(-5)));
        Assert.Equal(25, Impressions(store));
    }

    private static long Impressions(ReportStore store) =>
        store.Read("summer-sale", Now.AddDays(-30)).Where(r => r.Slice == ReportSlices.Arm).Sum(r => r.Counts.Impressions);

    private static async Task SqlAsync(DbTarget db, string sql)
    {
        await using DbConnection conn = db.Kind == DbKind.Sqlite ? new SqliteConnection(db.ConnectionString) : new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }
}
