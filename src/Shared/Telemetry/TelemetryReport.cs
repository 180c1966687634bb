using Fleet.Shared.Serialization;

namespace Fleet.Shared.Telemetry;

/// <summary>The answer of <c>GET /api/v1/telemetry</c> and the input of <c>fleet-cloud telemetry</c>.</summary>
/// <param name="QuarantinedAssets">Stored files the devices found corrupt (sha256 mismatch) and moved aside, since they first reported; like <see cref="DroppedRenders"/>.</param>
/// <param name="Periods">Only for one device (<c>?device=</c>): its renders and resource readings per reported period, oldest first.</param>
public sealed record TelemetryReport(
    DateTimeOffset From,
    DateTimeOffset To,
    string? Device,
    string? Campaign,
    string? Cohort,
    int Devices,
    IReadOnlyList<CampaignReport> Campaigns,
    long DroppedRenders,
    long RejectedBatches,
    IReadOnlyList<RejectionView> RecentRejections,
    long QuarantinedAssets = 0,
    IReadOnlyList<DevicePeriod>? Periods = null) : IFleetProtocol;

/// <summary>One period of one device (batches for the same minute merged): how many renders, and its resource readings.</summary>
public sealed record DevicePeriod(DateTimeOffset Start, int Minutes, long Renders, ResourceSummary? Resources) : IFleetProtocol;

/// <summary>One campaign version over the window: counts, rates, render-time percentiles and variants.</summary>
public sealed record CampaignReport(
    string CampaignId,
    string CampaignVersion,
    long Renders,
    long Successes,
    long Failures,
    long CacheHits,
    long FallbackRenders,
    long SafetyBlocks,
    double FallbackRate,
    IReadOnlyDictionary<string, double> FallbackRateByReason,
    double? P50Ms,
    double? P95Ms,
    double? P99Ms,
    long Impressions,
    long Clicks,
    double? Ctr,
    IReadOnlyList<VariantReport> Variants) : IFleetProtocol;

public sealed record VariantReport(string VariantId, long Renders, long Impressions, long Clicks, double? Ctr) : IFleetProtocol;

/// <summary>A refused upload: which device it claimed to be, from where, and why.</summary>
public sealed record RejectionView(DateTimeOffset At, string ClaimedDevice, string? Sender, long Seq, string Reason) : IFleetProtocol;
