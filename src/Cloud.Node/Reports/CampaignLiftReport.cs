namespace Fleet.Cloud.Reports;

/// <summary>
/// Does personalisation beat the static creative? One campaign's player outcomes since <see cref="From"/>, per campaign
/// version: each measurement arm, each headline/CTA variant, and the lift of personalised over holdout for CTR and VTR.
/// </summary>
public sealed record CampaignLiftReport(string CampaignId, DateTimeOffset From, DateTimeOffset To, double MinimumDetectableLift,
    IReadOnlyList<VersionLift> Versions);

/// <summary>One campaign version: model versions seen, arms, variants, and the two lifts.</summary>
public sealed record VersionLift(string CampaignVersion, IReadOnlyList<string> ModelVersions, IReadOnlyList<OutcomeRates> Arms,
    IReadOnlyList<OutcomeRates> Variants, MetricLift Ctr, MetricLift Vtr);

/// <summary>
/// Outcomes of one arm or variant. Rates are per impression and null without impressions: CTR = clicks/impressions,
/// VTR = completes/impressions, mean engagement = dwell ms/impressions, reach = impressions that got to 25/50/75 %
/// (arms only: variants have no quartiles in the telemetry contract).
/// </summary>
public sealed record OutcomeRates(string Id, long Renders, long Impressions, long Clicks, long Completes, double? Ctr, double? Vtr,
    double? MeanEngagementMs, double? Q25Reach, double? Q50Reach, double? Q75Reach);

/// <summary>
/// Personalised vs holdout for one rate (ctr or vtr). <see cref="RelativeLift"/> (p1/p0 − 1) with a 95 % log-ratio
/// delta-method interval, <see cref="Difference"/> (p1 − p0) with a 95 % Newcombe interval; null when an arm has no
/// impressions, and <see cref="Verdict"/> then says so. <see cref="NeededPerArm"/>: impressions per arm to detect the
/// report's minimum relative lift at the observed holdout rate (5 % two-sided, 80 % power).
/// </summary>
public sealed record MetricLift(string Metric, double? Personalised, double? Holdout, double? RelativeLift, double? RelativeLow, double? RelativeHigh,
    double? Difference, double? DifferenceLow, double? DifferenceHigh, bool Significant, string Verdict, long? NeededPerArm, long? MorePerArm, string Sample);
