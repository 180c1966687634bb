namespace Fleet.Edge.Personalisation.Bandit;

/// <summary>
/// Thompson sampling over Beta posteriors whose priors come from embedding similarity: with no outcomes the most
/// similar variant almost always wins; close candidates get explored; many clicks move a variant up regardless of its prior.
/// </summary>
public static class ThompsonBandit
{
    /// <summary>
    /// Variant indices, best first, by one posterior sample each. With probability <paramref name="exploration"/> (the
    /// campaign's <c>exploration</c> share, 0 by default) the order is a uniform shuffle instead, so every variant keeps
    /// being tried however sure the posterior is. Pure given <paramref name="rng"/>.
    /// </summary>
    public static int[] Rank(IReadOnlyList<double> similarities, IReadOnlyList<VariantStats> stats, BanditOptions options, Random rng,
        double exploration = 0)
    {
        if (similarities.Count != stats.Count) throw new ArgumentException("One stats entry per similarity.");
        if (similarities.Count == 0) return [];
        if (exploration > 0 && rng.NextDouble() < exploration)
        {
            var shuffled = Enumerable.Range(0, similarities.Count).ToArray();
            rng.Shuffle(shuffled);
            return shuffled;
        }
        var best = similarities.Max();
        var samples = new double[similarities.Count];
        for (var i = 0; i < samples.Length; i++)
        {
            var (alpha, beta) = Posterior(similarities[i], best, stats[i], options);
            samples[i] = BetaSampler.Sample(alpha, beta, rng);
        }
        // Ties (rare with continuous samples) keep catalogue order, so ranking stays deterministic for a seed.
        return Enumerable.Range(0, samples.Length).OrderByDescending(i => samples[i]).ThenBy(i => i).ToArray();
    }

    /// <summary>Beta parameters: prior mean falls off exponentially with the similarity gap to the best variant, then outcomes add on.</summary>
    public static (double Alpha, double Beta) Posterior(double similarity, double bestSimilarity, VariantStats stats, BanditOptions options)
    {
        var mean = options.PriorCtr * Math.Exp((similarity - bestSimilarity) / options.Temperature);
        var rewards = stats.Rewards(options.ViewThroughWeight);
        var alpha = Math.Max(1e-3, mean * options.PriorStrength) + rewards;
        var beta = Math.Max(1e-3, (1 - mean) * options.PriorStrength) + Math.Max(0, stats.Impressions - rewards);
        return (alpha, beta);
    }
}
