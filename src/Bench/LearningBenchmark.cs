using Fleet.Edge.Personalisation.Bandit;
using Fleet.Shared.Learning;

namespace Fleet.Bench;

/// <summary>
/// Does the fleet prior pay? A simulated fleet with known click rates per context bucket and copy variant (the best
/// variant differs by bucket; each device's audience deviates from the fleet's by a random factor). A "week" of devices
/// learns alone with the device's own Thompson bandit; their per-bucket counts, merged as the cloud merges uploads
/// (<see cref="FleetPriors.Merge"/>), become the prior. Then new devices run twice on the same contexts and coin flips:
/// alone, and starting from the prior. Measured: regret (expected clicks lost against always showing each bucket's
/// best variant) and the impressions a device needs before its choices earn 90 % of the best policy's click rate.
/// </summary>
public static class LearningBenchmark
{
    /// <summary>The fleet prior must cut regret over the run to at most this share of learning alone (exit 1 otherwise).</summary>
    public const double BudgetRegretRatio = 0.75;

    /// <summary>Impressions over which "90 % of the best policy" is judged.</summary>
    public const int Window = 200;

    public sealed record Options(int Devices = 50, int Impressions = 2000, int Buckets = 4, int Variants = 6, int Seed = 1);

    /// <param name="RegretAt">Mean cumulative regret (expected clicks lost) after that many impressions.</param>
    /// <param name="MedianImpressionsTo90">Median over devices; devices that never got there count as the run's length.</param>
    public sealed record Curve(double MeanCtr, IReadOnlyDictionary<int, double> RegretAt, int MedianImpressionsTo90, int DevicesReaching90);

    public sealed record Result(Options Options, double BestCtr, double UniformCtr, int PriorRows, Curve Alone, Curve WithFleetPrior,
        double RegretRatio, bool WithinBudget);

    public static Result Run(Options o)
    {
        var truth = TrueRates(o, new Random(o.Seed));
        var week = Enumerable.Range(0, o.Devices).SelectMany(d => Device(truth, o, 1000 + d, prior: null).Rows).ToList();
        var prior = FleetPriors.Merge(week).ToDictionary(r => (r.Bucket, r.VariantId));
        var alone = Enumerable.Range(0, o.Devices).Select(d => Device(truth, o, 5000 + d, prior: null)).ToList();
        var primed = Enumerable.Range(0, o.Devices).Select(d => Device(truth, o, 5000 + d, prior)).ToList();
        var (a, p) = (Summary(alone, o), Summary(primed, o));
        var ratio = a.RegretAt[o.Impressions] == 0 ? 1 : p.RegretAt[o.Impressions] / a.RegretAt[o.Impressions];
        return new Result(o, truth.Average(b => b.Max()), truth.Average(b => b.Average()), prior.Count, a, p, ratio, ratio <= BudgetRegretRatio);
    }

    private sealed record DeviceRun(IReadOnlyList<PriorRow> Rows, double[] Regret, double Ctr, int? ReachedAt);

    /// <summary>Per bucket, most variants click at 1-4 %; one, different per bucket, at 6-8 %.</summary>
    private static double[][] TrueRates(Options o, Random rng) => Enumerable.Range(0, o.Buckets).Select(_ =>
    {
        var rates = Enumerable.Range(0, o.Variants).Select(_ => 0.01 + 0.03 * rng.NextDouble()).ToArray();
        rates[rng.Next(o.Variants)] = 0.06 + 0.02 * rng.NextDouble();
        return rates;
    }).ToArray();

    private static DeviceRun Device(double[][] fleetTruth, Options o, int seed, IReadOnlyDictionary<(string, string), PriorRow>? prior)
    {
        // Contexts, the audience and coin flips come from one stream, the bandit's draws from another: both runs of a
        // device see the same world, so the difference between them is the prior alone.
        var world = new Random(seed);
        var bandit = new Random(seed * 7919);
        var truth = fleetTruth.Select(b => b.Select(r => Math.Min(0.5, r * Math.Exp(0.2 * Normal(world)))).ToArray()).ToArray();
        var impressions = new long[o.Buckets, o.Variants];
        var clicks = new long[o.Buckets, o.Variants];
        var similarities = new double[o.Variants];
        var options = new BanditOptions();
        var regret = new double[o.Impressions + 1];
        var (earned, best) = (new double[o.Impressions], new double[o.Impressions]);
        int? reached = null;
        double clicked = 0, windowEarned = 0, windowBest = 0;
        for (var t = 0; t < o.Impressions; t++)
        {
            var b = world.Next(o.Buckets);
            var stats = Enumerable.Range(0, o.Variants).Select(v =>
            {
                var local = new VariantStats(impressions[b, v], clicks[b, v]);
                return prior?.GetValueOrDefault((Bucket(b), Variant(v))) is { } row
                    ? local with { Impressions = local.Impressions + row.Impressions, Clicks = local.Clicks + row.Clicks } : local;
            }).ToArray();
            var v = ThompsonBandit.Rank(similarities, stats, options, bandit)[0];
            var click = world.NextDouble() < truth[b][v];
            impressions[b, v]++;
            if (click) { clicks[b, v]++; clicked++; }
            (earned[t], best[t]) = (truth[b][v], truth[b].Max());
            regret[t + 1] = regret[t] + best[t] - earned[t];
            windowEarned += earned[t];
            windowBest += best[t];
            if (t >= Window) { windowEarned -= earned[t - Window]; windowBest -= best[t - Window]; }
            if (reached is null && t + 1 >= Window && windowEarned >= 0.9 * windowBest) reached = t + 1;
        }
        var rows = new List<PriorRow>();
        for (var b = 0; b < o.Buckets; b++)
            for (var v = 0; v < o.Variants; v++)
                if (impressions[b, v] > 0) rows.Add(new PriorRow(Bucket(b), Variant(v), impressions[b, v], clicks[b, v]));
        return new DeviceRun(rows, regret, clicked / o.Impressions, reached);
    }

    private static Curve Summary(IReadOnlyList<DeviceRun> runs, Options o)
    {
        var checkpoints = new[] { 100, 250, 500, 1000, 2000, 5000, o.Impressions }.Where(n => n <= o.Impressions).Distinct().Order();
        var to90 = runs.Select(r => r.ReachedAt ?? o.Impressions).Order().ToArray();
        return new Curve(runs.Average(r => r.Ctr), checkpoints.ToDictionary(n => n, n => runs.Average(r => r.Regret[n])),
            to90[to90.Length / 2], runs.Count(r => r.ReachedAt is not null));
    }

    private static string Bucket(int b) => $"bucket-{b}";

    private static string Variant(int v) => $"h-{v}";

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
