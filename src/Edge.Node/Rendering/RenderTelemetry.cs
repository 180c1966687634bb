using Fleet.Edge.Privacy;
using Fleet.Shared.Telemetry;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>Turns a render outcome into the telemetry event: artifact ids, variant ids, timings, fallbacks — never context.</summary>
public static class RenderTelemetry
{
    public static RenderEvent From(RenderOutcome o, RenderAd request, UserIdHasher hasher) =>
        From(o, request, request.Context.UserId is { Length: > 0 } user ? hasher.Hash(user) : null);

    /// <param name="userHash">The salted hash of the context's user id, or null.</param>
    public static RenderEvent From(RenderOutcome o, RenderAd request, string? userHash) => new(
        o.CampaignId,
        request.CampaignVersion,
        o.Artifacts.Model ?? "none",
        o.Artifacts.Template ?? "none",
        o.HeadlineId,
        o.CtaId,
        o.StageMs,
        o.TotalMs,
        o.CacheHit,
        o.Fallbacks,
        o.SafetyBlocks.Count,
        o.Success && o.Path is not EncoderChain.StaticCreative,
        o.AudioSeconds,
        o.Encoder,
        userHash,
        DateTimeOffset.UtcNow);
}
