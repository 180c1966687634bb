using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Shared.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Integration.Tests;

/// <summary>A misbehaving device member sends malformed, replayed and impersonating batches: none counts, each is logged.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class TelemetryRejectionTests
{
    [Fact]
    public async Task Malformed_replayed_and_impersonating_batches_are_rejected_and_logged_and_totals_stay()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var warnings = new ConcurrentQueue<string>();
        var listener = cloud.System.ActorOf(Props.Create(() => new WarningListener(warnings)));
        cloud.System.EventStream.Subscribe(listener, typeof(Akka.Event.Warning));

        using var mallory = await DeviceMember.JoinAsync(cloud.Seed, "mallory");
        var ingest = await mallory.Services.GetRequiredService<IRequiredActor<TelemetryIngestKey>>().GetAsync();
        var now = DateTimeOffset.UtcNow;
        var tags = new Dictionary<string, string>();
        TelemetryProtocol.Batch Batch(long seq, TelemetryAggregate? a = null, string device = "mallory", byte[]? body = null) =>
            new(device, seq, [], body ?? AggregateCodec.Encode(a ?? SyntheticTelemetry.Minute(now, 3)), 0, tags);
        async Task<object> Send(TelemetryProtocol.Batch b) => await ingest.Ask<object>(b, TimeSpan.FromSeconds(15));

        Assert.Equal(new TelemetryProtocol.Ack("mallory", 1, false), await Send(Batch(1)));
        Assert.Equal(new TelemetryProtocol.Ack("mallory", 1, true), await Send(Batch(1)));
        Assert.Equal(new TelemetryProtocol.Ack("mallory", 1, true), await Send(Batch(1, SyntheticTelemetry.Minute(now, 50))));

        var good = SyntheticTelemetry.Minute(now, 3);
        var cases = new (TelemetryProtocol.Batch Batch, string Reason)[]
        {
            (Batch(0), "seq 0 is not positive"),
            (Batch(-4), "seq -4 is not positive"),
            (Batch(2_000_000), "impossibly far ahead"),
            (Batch(2, device: "kiosk-victim"), "device 'mallory' sent a batch claiming device 'kiosk-victim'"),
            (Batch(3, body: [1, 2, 3, 4, 5]), "body is not a telemetry aggregate"),
            (Batch(4, good with { Groups = [good.Groups[0] with { Successes = 99 }] }), "counts do not add up"),
            (Batch(5, good with { Groups = [good.Groups[0] with { CampaignId = "Call Alice on +49 170 1234567" }] }), "an id is not an identifier"),
            (new TelemetryProtocol.Batch("mallory", 6, [1], AggregateCodec.Encode(good), 0, tags), "overlaps seqs already stored"),
        };
        foreach (var (batch, reason) in cases)
        {
            var reply = Assert.IsType<TelemetryProtocol.Rejected>(await Send(batch));
            Assert.Contains(reason, reply.Reason);
        }

        var report = await TelemetryClient.ReportAsync(cloud.Api);
        Assert.Equal(3, report.Campaigns.Sum(c => c.Renders));
        Assert.Equal(cases.Length, report.RejectedBatches);
        Assert.Contains(report.RecentRejections, r => r.ClaimedDevice == "kiosk-victim" && r.Sender!.Contains("127.0.0.1"));
        Assert.Equal(0, (await TelemetryClient.ReportAsync(cloud.Api, "device=kiosk-victim&since=1d")).Devices);
        await Eventually.Until(() => Task.FromResult(warnings.Count(w => w.Contains("telemetry batch rejected"))), n => n == cases.Length,
            TimeSpan.FromSeconds(10), "one warning per rejected batch");
        Assert.Contains(warnings, w => w.Contains("claimed device kiosk-victim") && w.Contains("claiming device 'kiosk-victim'"));
    }

    private sealed class WarningListener : ReceiveActor
    {
        public WarningListener(ConcurrentQueue<string> into) => Receive<Akka.Event.Warning>(w => into.Enqueue(w.Message?.ToString() ?? ""));
    }
}
