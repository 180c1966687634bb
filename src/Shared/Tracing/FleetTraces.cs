using System.Diagnostics;

namespace Fleet.Shared.Tracing;

/// <summary>
/// The trace sources, one per side (exported as service fleet-cloud or fleet-edge), and how a span is started under a
/// parent that arrived in a message. Without a listener (no <c>--otlp-endpoint</c>) <see cref="Start"/> returns null
/// and allocates nothing, so a span costs nothing when tracing is off.
/// </summary>
public static class FleetTraces
{
    public static readonly ActivitySource Cloud = new("Fleet.Cloud");
    public static readonly ActivitySource Edge = new("Fleet.Edge");

    /// <summary>
    /// The longest trace context taken from a message. A W3C <c>traceparent</c> of version 00 is 55 characters; the cap
    /// leaves room for a later version and keeps what a device sends (outside the trust boundary) small.
    /// </summary>
    public const int MaxTraceParentLength = 128;

    /// <summary>
    /// A span under <paramref name="parent"/> (a W3C traceparent from a message; a root span when null or unreadable).
    /// The span is not made ambient: actors run many messages on one thread, and a span left in
    /// <see cref="Activity.Current"/> would become the parent of whatever that thread ran next.
    /// </summary>
    public static Activity? Start(this ActivitySource source, string name, string? parent, ActivityKind kind = ActivityKind.Internal)
    {
        if (!source.HasListeners()) return null;
        var previous = Activity.Current;
        // Without a readable parent the span is a root: never a child of whatever happens to be ambient.
        Activity.Current = null;
        var span = source.StartActivity(name, kind, Parse(parent));
        Activity.Current = previous;
        return span;
    }

    /// <summary>The span's context as a W3C traceparent to carry in a message; null without a span.</summary>
    public static string? TraceParent(this Activity? span) => span?.Id;

    /// <summary>A trace context from a message, or null when it is absent, too long or not a W3C traceparent.</summary>
    public static string? Checked(string? traceParent) =>
        traceParent is { Length: > 0 and <= MaxTraceParentLength } && ActivityContext.TryParse(traceParent, null, isRemote: true, out _) ? traceParent : null;

    private static ActivityContext Parse(string? traceParent) =>
        Checked(traceParent) is { } tp && ActivityContext.TryParse(tp, null, isRemote: true, out var context) ? context : default;
}
