namespace Fleet.Shared.Rendering;

/// <summary>
/// Why a render did not go as asked, in the wire form render results, telemetry, reports, the console and the audit log
/// read: <c>stage:fell-back-to[:why]</c>, e.g. <c>policy:static-creative:kill-3</c>. Every reason the render chain decides
/// is named here once; stages that keep their own codes (personalise, the encoder chain) write the same form.
/// </summary>
/// <param name="Stage">The stage that gave way: <c>policy</c>, <c>render</c>, <c>delegate</c>, <c>composite</c>, <c>speech</c>.</param>
/// <param name="To">What the render showed instead: <see cref="StaticCreative"/>, <c>default-copy</c>, <c>captions-only</c>, …</param>
/// <param name="Why">The cause, free text after the second colon; null when the first two words say it all.</param>
public sealed record RenderFallback(string Stage, string To, string? Why = null)
{
    public const string StaticCreative = "static-creative";

    /// <summary>The wire form; never change it for an existing reason (reports and dashboards group by it).</summary>
    public override string ToString() => Why is null ? $"{Stage}:{To}" : $"{Stage}:{To}:{Why}";

    /// <summary>A kill-switch directive covers the render: the static creative plays.</summary>
    public static RenderFallback Killed(string killId) => new("policy", StaticCreative, killId);

    /// <summary>A kill-switch directive arrived while the render ran; it stopped at once.</summary>
    public static RenderFallback KilledInFlight(string killId) => new("policy", StaticCreative, $"{killId}:cancelled-in-flight");

    /// <summary>Only the model is killed: the render goes on with the default copy.</summary>
    public static RenderFallback ModelKilled(string killId) => new("policy", "default-copy", killId);

    /// <summary>A stored asset failed its sha256 check and was quarantined.</summary>
    public static readonly RenderFallback AssetQuarantined = new("render", StaticCreative, "asset-quarantined");

    /// <summary>The default copy itself broke a safety rule, so no copy is shown at all.</summary>
    public static readonly RenderFallback DefaultCopyUnsafe = new("render", StaticCreative, "default-copy-unsafe");

    /// <summary>A preview's copy was unsafe; the default copy was drawn instead.</summary>
    public static readonly RenderFallback PreviewReplaced = new("render", "preview-replaced-by-default-copy");

    /// <summary>A delegated (or hybrid) render did not come back from the cloud; the device rendered its own variant.</summary>
    public static RenderFallback LocalRender(int localHeight, string why) => new("delegate", $"local-{localHeight}p", why);

    /// <summary>The template could not be prepared.</summary>
    public static RenderFallback PrepareFailed(string reason) => new("composite", StaticCreative, $"prepare-failed:{reason}");

    /// <summary>The composite answered with something it never sends.</summary>
    public static readonly RenderFallback UnexpectedReply = new("composite", StaticCreative, "unexpected-reply");

    /// <summary>No voice: the ad plays with its music and on-screen text.</summary>
    public static RenderFallback CaptionsOnly(string reason) => new("speech", "captions-only", reason);

    /// <summary>The render did not finish within its deadline.</summary>
    public static RenderFallback OverDeadline(TimeSpan deadline) => new("render", StaticCreative, $"over-deadline-{deadline.TotalMilliseconds:0}ms");

    /// <summary>Anything else went wrong: the exception's type and the first line of its message.</summary>
    public static RenderFallback Crashed(string exceptionType, string reason) => new("render", StaticCreative, $"{exceptionType}:{reason}");
}
