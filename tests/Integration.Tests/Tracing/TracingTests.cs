using Fleet.Cloud.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Tracing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Fleet.Integration.Tests.Tracing;

/// <summary>
/// Traces exported over OTLP/HTTP to a real receiver: a kill engaged through the API is one trace across the cloud
/// (fleet-cloud) and the enrolled devices (fleet-edge), from the request to each device's acknowledgement.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TracingTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_kill_engage_is_one_trace_from_the_api_request_through_the_gateway_to_each_device_acknowledgement()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var traces = new TraceSettings(new Uri(receiver.Url));
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true,
            configure: o => o with { Traces = traces });
        var edges = new List<EdgeUnderTest>();
        for (var i = 1; i <= 2; i++) edges.Add(EdgeUnderTest.StartEnrolled(await cloud.EnrolAsync($"kiosk-{i}", tmp.Sub($"e{i}")), traces: traces));
        try
        {
            await cloud.WaitForDevicesUpAsync(2);
            var engaged = await cloud.Api.PostAsync<KillCommands.Result>("api/v1/kill", new KillSwitchEndpoints.EngageRequest("model:minilm@1.0.0", "test: traced"));

            // Both acknowledgements arrive, each as a span of the engage's trace.
            var engage = await Eventually.Until(() => Task.FromResult(receiver.Spans.FirstOrDefault(s => s.Name == "kill.engage")), s => s is not null, Within, "the engage span");
            // Both devices run in this one process, so each device's tracer also hears the other's spans and exports
            // them again (same span id): one copy of each span is the trace (separate processes export each once).
            var trace = await Eventually.Until(() => Task.FromResult(receiver.Spans.Where(s => s.TraceId == engage!.TraceId).DistinctBy(s => s.SpanId).ToList()),
                // The cloud records the acknowledgements, each device its enforcement: the exporters flush apart.
                t => t.Count(s => s.Name == "kill.ack") == 2 && t.Count(s => s.Name == "kill.enforce") == 2, Within,
                "two enforcement and two acknowledgement spans in the engage's trace");

            var request = Assert.Single(trace, s => s.SpanId == engage!.ParentSpanId);
            Assert.Equal("fleet-cloud", request.Service);
            Assert.Equal("POST", request.Attributes["http.request.method"]);
            Assert.Equal("fleet-cloud", engage!.Service);
            Assert.Equal("model:minilm@1.0.0", engage.Attributes["kill.scope"]);
            var broadcast = Assert.Single(trace, s => s.Name == "kill.broadcast");
            Assert.Equal(engage.SpanId, broadcast.ParentSpanId);
            var fanOut = Assert.Single(trace, s => s.Name == "kill.gateway-fan-out");
            Assert.Equal(broadcast.SpanId, fanOut.ParentSpanId);

            var enforced = trace.Where(s => s.Name == "kill.enforce").ToList();
            Assert.Equal(["kiosk-1", "kiosk-2"], enforced.Select(s => s.Attributes["fleet.device_id"]).Order());
            Assert.All(enforced, s => Assert.Equal("fleet-edge", s.Service));
            Assert.All(enforced, s => Assert.Equal(fanOut.SpanId, s.ParentSpanId));
            Assert.All(enforced, s => Assert.Equal($"{engaged.Epoch}", s.Attributes["kill.epoch"]));

            // Each device's acknowledgement, recorded by the cloud, is a child of that device's enforcement.
            foreach (var ack in trace.Where(s => s.Name == "kill.ack"))
            {
                Assert.Equal("fleet-cloud", ack.Service);
                var device = Assert.Single(enforced, e => e.SpanId == ack.ParentSpanId);
                Assert.Equal(device.Attributes["fleet.device_id"], ack.Attributes["fleet.device_id"]);
            }
        }
        finally
        {
            foreach (var e in edges) await e.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_delegated_render_is_one_trace_from_the_device_through_the_scheduler_and_the_worker_to_the_result()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var traces = new TraceSettings(new Uri(receiver.Url));
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"),
            configure: o => o with { Traces = traces });
        await RenderDelegationTests.PublishAndAssignAsync(cloud, tmp.Sub("summer"));
        var http = Ports.Free();
        Fleet.Edge.Hosting.AgentLog.Enabled = false;
        await using var edge = EdgeUnderTest.Start(cloud.Seed, tmp.Sub("kiosk"), "kiosk-1", "", http: http, traces: traces);
        await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 1, "kiosk-1");
        using var local = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromMinutes(3) };

        // 1080p is over this device's 720p: a cloud worker renders it.
        var reply = await RenderDelegationTests.RenderAsync(local, new { resolution = "1080p", headline = "Sunglasses from {{price}}", cta = "Shop now" });
        Assert.Equal("cloud", reply.Outcome.Path);

        var delegated = await Eventually.Until(() => Task.FromResult(receiver.Spans.FirstOrDefault(s => s.Name == "render.delegate")), s => s is not null,
            Within, "the device's delegation span");
        var trace = await Eventually.Until(() => Task.FromResult(receiver.Spans.Where(s => s.TraceId == delegated!.TraceId).DistinctBy(s => s.SpanId).ToList()),
            t => t.Any(s => s.Name == "render.result"), Within, "the result span in the device's trace");

        Assert.Equal("fleet-edge", delegated!.Service);
        Assert.Null(delegated.ParentSpanId);
        var request = Assert.Single(trace, s => s.ParentSpanId == delegated.SpanId);
        Assert.Equal("fleet-cloud", request.Service);
        Assert.Equal("POST", request.Attributes["http.request.method"]);
        var schedule = Assert.Single(trace, s => s.Name == "render.schedule");
        Assert.Equal(request.SpanId, schedule.ParentSpanId);
        Assert.Equal("kiosk-1", schedule.Attributes["fleet.device_id"]);
        var jobId = schedule.Attributes["render.job_id"];
        var work = Assert.Single(trace, s => s.Name == "render.work");
        Assert.Equal(schedule.SpanId, work.ParentSpanId);
        Assert.Equal(jobId, work.Attributes["render.job_id"]);
        var result = Assert.Single(trace, s => s.Name == "render.result");
        Assert.Equal(schedule.SpanId, result.ParentSpanId);
        Assert.Equal("done", result.Attributes["render.status"]);
        Assert.Equal(jobId, delegated.Attributes["render.job_id"]);
    }

    [Fact]
    public async Task Without_an_otlp_endpoint_a_node_has_no_tracer_and_exports_nothing()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        Assert.Null(cloud.Options.Traces.Endpoint);
        Assert.Null(cloud.Services.GetService<TracerProvider>());
    }
}
