using Fleet.Shared.Serialization;

namespace Fleet.Shared.Telemetry;

/// <summary>
/// Upload protocol between a device's link and the cloud telemetry service. Each batch has a per-device sequence
/// number; the cloud accepts each seq once (idempotent by device + seq), acknowledges replays without counting them,
/// and rejects batches whose device id is not the sender's or whose seq is impossible.
/// </summary>
public static class TelemetryProtocol
{
    /// <summary>
    /// One outbox entry. <see cref="Covers"/> lists further seqs this entry stands for (minutes rolled up into an hour
    /// while offline). <see cref="Body"/> is the aggregate encoded by <see cref="AggregateCodec"/>; a null body is a
    /// tombstone: the outbox was full and dropped <see cref="DroppedRenders"/> renders' worth of data, which the cloud
    /// records as a loss instead of waiting for it.
    /// </summary>
    public sealed record Batch(
        string DeviceId,
        long Seq,
        long[] Covers,
        byte[]? Body,
        long DroppedRenders,
        IReadOnlyDictionary<string, string> Tags) : IFleetProtocol;

    /// <summary>The batch is stored (or was already): the device may delete it.</summary>
    public sealed record Ack(string DeviceId, long Seq, bool Duplicate) : IFleetProtocol;

    /// <summary>The batch was refused and nothing was counted; the reason is one line.</summary>
    public sealed record Rejected(string DeviceId, long Seq, string Reason) : IFleetProtocol;

    /// <summary>A report over the cloud's windows; answered with <see cref="TelemetryReport"/>.</summary>
    public sealed record Query(string? Device, string? Campaign, string? Cohort, long SinceSeconds) : IFleetProtocol;

    /// <summary>
    /// Rollout gates: render health of the canary devices (only their groups of the canary artifact: campaign version
    /// <see cref="CanaryCampaignVersion"/> or model <see cref="CanaryModel"/>) and of the baseline devices, over windows
    /// that end after <see cref="Since"/>, for one campaign or (null) all. Answered with <see cref="HealthReply"/>.
    /// </summary>
    public sealed record HealthQuery(IReadOnlyList<string> Canary, IReadOnlyList<string> Baseline, DateTimeOffset Since,
        string? CampaignId, string? CanaryCampaignVersion, string? CanaryModel) : IFleetProtocol;

    public sealed record HealthReply(Rollouts.HealthWindow Canary, Rollouts.HealthWindow Baseline) : IFleetProtocol;

    /// <summary>Upper bound on how far ahead of the contiguous watermark a seq may be (a device's outbox is capped well below).</summary>
    public const long MaxSeqAhead = 1_000_000;
}

/// <summary>Registry key of the cloud telemetry ingest (singleton on control nodes, a proxy elsewhere).</summary>
public sealed class TelemetryIngestKey;
