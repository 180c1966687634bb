using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Bench;

/// <summary>
/// Deterministic player outcomes for report benchmarks and tests: a minute aggregate with both measurement arms and
/// two variants, drawn from a seeded generator with known true rates (personalised CTR 3 %, VTR 60 %; holdout CTR
/// 2.5 %, VTR 55 %; one impression in ten is holdout).
/// </summary>
public static class SyntheticOutcomes
{
    public const double PersonalisedCtr = 0.03, PersonalisedVtr = 0.60, HoldoutCtr = 0.025, HoldoutVtr = 0.55, HoldoutShare = 0.10;

    public static TelemetryAggregate Minute(DateTimeOffset start, Random rng, int impressions = 4, string campaignId = "summer-sale",
        string version = "3", string model = "minilm@1.0.0")
    {
        var held = 0;
        for (var i = 0; i < impressions; i++) held += rng.NextDouble() < HoldoutShare ? 1 : 0;
        var personalised = Arm(ArmCounts.Personalised, impressions - held, PersonalisedCtr, PersonalisedVtr, rng);
        var holdout = Arm(ArmCounts.Holdout, held, HoldoutCtr, HoldoutVtr, rng);
        return WithArms(start, campaignId, version, model, personalised, holdout);
    }

    /// <summary>A one-minute aggregate carrying exactly these arm counts; the personalised impressions go to variant h0.</summary>
    public static TelemetryAggregate WithArms(DateTimeOffset start, string campaignId, string version, string model, ArmCounts personalised, ArmCounts holdout)
    {
        var renders = personalised.Impressions + holdout.Impressions;
        var hist = LatencyHistogram.Empty;
        for (var i = 0; i < renders; i++) hist = hist.Add(250);
        var group = new GroupAggregate(campaignId, version, model, "kiosk-portrait", renders, renders, 0, 0, 0, 0,
            new Dictionary<string, long>(), new Dictionary<string, long>(), new Dictionary<string, double>(), hist,
            [new VariantCounts("h0", personalised.Impressions, personalised.Impressions, personalised.Clicks, null, personalised.Completes, personalised.DwellMsSum)],
            null, [personalised, holdout]);
        return new TelemetryAggregate(start, 1, [group], null, 0);
    }

    private static ArmCounts Arm(string arm, int n, double ctr, double vtr, Random rng)
    {
        long clicks = 0, q25 = 0, q50 = 0, q75 = 0, completes = 0, dwell = 0;
        for (var i = 0; i < n; i++)
        {
            var complete = rng.NextDouble() < vtr;
            // Those who do not finish stop somewhere uniformly along the ad.
            var reached = complete ? 1.0 : rng.NextDouble();
            q25 += reached >= 0.25 ? 1 : 0;
            q50 += reached >= 0.50 ? 1 : 0;
            q75 += reached >= 0.75 ? 1 : 0;
            completes += complete ? 1 : 0;
            clicks += rng.NextDouble() < ctr ? 1 : 0;
            dwell += (long)(15_000 * reached);
        }
        return new ArmCounts(arm, n, q25, q50, q75, completes, clicks, dwell);
    }
}
