namespace Fleet.Shared.Telemetry;

/// <summary>
/// One finished render, as the render pipeline reports it to the edge telemetry actor (never sent to the cloud as is:
/// it is folded into per-minute aggregates on the device). Emit it with
/// <c>registry.Get&lt;TelemetryActorKey&gt;().Tell(evt)</c> or <c>system.EventStream.Publish(evt)</c>.
/// </summary>
/// <param name="StageMs">Milliseconds per stage, e.g. personalise, speech, composite.</param>
/// <param name="Fallbacks">Reasons like <c>personalise:default-copy:model-missing</c>; empty when nothing degraded.</param>
/// <param name="UserHash">The salted user hash from <c>UserIdHasher</c> (64 hex chars), never a raw id; anything else is discarded.</param>
/// <param name="At">When the render finished; the telemetry actor's clock when null.</param>
public sealed record RenderEvent(
    string CampaignId,
    string CampaignVersion,
    string ModelVersion,
    string TemplateId,
    string? HeadlineVariantId,
    string? CtaVariantId,
    IReadOnlyDictionary<string, double> StageMs,
    double TotalMs,
    bool CacheHit,
    IReadOnlyList<string> Fallbacks,
    int SafetyBlocks,
    bool Success,
    double AudioSeconds,
    string Encoder,
    string? UserHash = null,
    DateTimeOffset? At = null);

/// <summary>What the kiosk player reports about a shown ad.</summary>
public enum InteractionKind { Impression, Click }

/// <summary>An impression or click from the local API; the user id is already salted-hashed (or absent).</summary>
public sealed record Interaction(string CampaignId, string VariantId, InteractionKind Kind, string? UserHash, DateTimeOffset? At = null);

/// <summary>One reading of the device's resources; null where the platform does not say.</summary>
public sealed record ResourceSample(DateTimeOffset At, double? CpuPercent, double? MemoryUsedMb, double? ProcessRssMb, double? TemperatureC, double? NpuPercent = null);

/// <summary>Registry key of the edge telemetry actor (<c>IRequiredActor&lt;TelemetryActorKey&gt;</c>).</summary>
public sealed class TelemetryActorKey;
