using System.Diagnostics;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Tracing;

namespace Fleet.Shared.Tests.Tracing;

/// <summary>Spans under a parent carried in a message, and what is done with a trace context from outside.</summary>
public sealed class FleetTracesTests
{
    private const string Parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void Without_a_listener_no_span_is_started()
    {
        using var source = new ActivitySource("Fleet.Tests.Tracing.Unheard");
        Assert.Null(source.Start("unheard", Parent));
    }

    [Fact]
    public void Without_a_listener_a_span_on_the_message_path_allocates_nothing()
    {
        using var source = new ActivitySource("Fleet.Tests.Tracing.Free");
        source.Start("warm-up", Parent)?.Dispose();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
            source.Start("free", Parent)?.SetTag("kill.epoch", i).Dispose();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_span_joins_the_trace_it_is_given_and_does_not_become_ambient()
    {
        using var source = new ActivitySource("Fleet.Tests.Tracing.Heard");
        using var listener = Listen(source);
        using var ambient = new Activity("ambient").Start();

        using var span = source.Start("joined", Parent);

        Assert.NotNull(span);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToHexString());
        Assert.Same(ambient, Activity.Current);
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", span.TraceParent());
    }

    [Fact]
    public void Without_a_readable_parent_a_span_is_a_root_not_a_child_of_the_ambient_one()
    {
        using var source = new ActivitySource("Fleet.Tests.Tracing.Root");
        using var listener = Listen(source);
        using var ambient = new Activity("ambient").SetIdFormat(ActivityIdFormat.W3C).Start();

        using var span = source.Start("root", "not a traceparent");

        Assert.NotNull(span);
        Assert.Equal(default, span.ParentSpanId);
        Assert.NotEqual(ambient.TraceId, span.TraceId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("00-not-a-trace-01")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    public void A_missing_or_malformed_trace_context_is_dropped(string? traceParent) => Assert.Null(FleetTraces.Checked(traceParent));

    [Fact]
    public void A_device_ack_keeps_a_well_formed_trace_context_and_drops_an_over_long_one()
    {
        var kept = DeviceFrames.Read(new DeviceFrame { KillAck = new KillAck { Epoch = 3, Traceparent = Parent } }, "kiosk-1", new Dictionary<string, string>());
        Assert.Equal(Parent, Assert.IsType<KillCommands.Ack>(kept).TraceParent);

        // Valid W3C syntax for a later version (extra fields), but past the cap: the ack stands, without a trace parent.
        var tooLong = Parent.Replace("00-", "01-") + "-" + new string('a', FleetTraces.MaxTraceParentLength);
        var dropped = DeviceFrames.Read(new DeviceFrame { KillAck = new KillAck { Epoch = 3, Traceparent = tooLong } }, "kiosk-1", new Dictionary<string, string>());
        var ack = Assert.IsType<KillCommands.Ack>(dropped);
        Assert.Equal(3, ack.Epoch);
        Assert.Null(ack.TraceParent);
    }

    private static ActivityListener Listen(ActivitySource source)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
