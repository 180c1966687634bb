namespace Fleet.Edge.Personalisation.Bandit;

/// <summary>How strongly the similarity prior speaks before local outcomes take over.</summary>
/// <param name="PriorCtr">Expected click rate of the most similar variant before any outcome is seen.</param>
/// <param name="PriorStrength">Pseudo-impressions the prior is worth; more means the bandit needs more evidence to move.</param>
/// <param name="Temperature">Similarity gap (cosine) that divides the prior click rate by e; smaller is greedier.</param>
/// <param name="ViewThroughWeight">Reward of a view to the end, against 1 for a click.</param>
/// <param name="PoolImpressions">Campaign-wide outcomes (every bucket) join a bucket's own with the weight of at most this
/// many impressions: a thin bucket leans on what the campaign learnt elsewhere, a busy one on its own evidence.</param>
public sealed record BanditOptions(double PriorCtr = 0.05, double PriorStrength = 200, double Temperature = 0.05,
    double ViewThroughWeight = 0.1, long PoolImpressions = 50);
