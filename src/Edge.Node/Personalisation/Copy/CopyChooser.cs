using System.Diagnostics;
using Fleet.Edge.Personalisation.Bandit;
using Fleet.Shared.Personalisation;
using Fleet.Shared.Personalisation.Embedding;
using Fleet.Edge.Privacy;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Personalisation.Copy;

/// <summary>
/// Chooses a campaign's headline, CTA and colour grade for a context: similarity prior from embeddings, Thompson sampling
/// over local outcomes, slot filling, then the safety filter; degrades to the campaign's default copy (and the neutral
/// grade, where allowed) instead of failing.
/// </summary>
public sealed class CopyChooser(
    IEmbedder embedder,
    OutcomeStore outcomes,
    UserIdHasher hasher,
    BanditOptions? bandit = null,
    Random? rng = null,
    TimeProvider? clock = null,
    PriorFiles? priors = null)
{
    private readonly VariantEmbeddings _variants = new(embedder);
    private readonly ContextEmbeddings _contexts = new(embedder);
    private readonly BanditOptions _bandit = bandit ?? new BanditOptions();
    private readonly Random _rng = rng ?? new Random();
    private readonly Lock _rngGate = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Builds a chooser on the process-wide MiniLM embedder for these settings.</summary>
    public static CopyChooser Create(PersonaliseSettings settings) => new(
        MiniLmEmbedder.For(settings.Model),
        new OutcomeStore(settings.DataDir),
        new UserIdHasher(settings.DataDir),
        settings.Bandit,
        settings.Seed is { } seed ? new Random(seed) : new Random(),
        priors: new PriorFiles(settings.DataDir));

    public IEmbedder Embedder => embedder;

    /// <summary>The same chooser (outcomes, salt, bandit settings, clock) on another model.</summary>
    public CopyChooser WithEmbedder(IEmbedder other) => new(other, outcomes, hasher, _bandit, new Random(), _clock, priors);
    public OutcomeStore Outcomes => outcomes;

    /// <summary>Variant embedding cache (one computation per campaign version).</summary>
    public VariantEmbeddings Variants => _variants;

    /// <summary>Recent context vectors (a repeated context skips inference).</summary>
    public ContextEmbeddings Contexts => _contexts;

    /// <summary>Personalised copy; throws nothing for model faults (they become <c>personalise:default-copy:&lt;reason&gt;</c>).</summary>
    /// <param name="versionKey">Manifest hash or campaign version: variant embeddings are cached under it.</param>
    /// <param name="bucket">The render's context bucket (see <see cref="ContextBucket"/>); null: derived from the context now.</param>
    /// <param name="grades">The grades the template allows; null or empty: neutral only.</param>
    public CopyChoice Choose(CampaignSpec campaign, string versionKey, RenderContext context, string? bucket = null, IReadOnlyList<string>? grades = null)
    {
        var allowed = grades is { Count: > 0 } ? grades : [GradePresets.Neutral];
        bucket ??= ContextBucket.Of(context, _clock.GetLocalNow());
        var watch = Stopwatch.StartNew();
        var values = SlotFiller.Values(campaign, context);
        VariantEmbeddings.Set set;
        float[] contextVector;
        try
        {
            set = _variants.Get(campaign, versionKey);
            contextVector = _contexts.Get(ContextSentence.Build(context, _clock.GetLocalNow()));
        }
        catch (EmbeddingModelException ex)
        {
            return DefaultChoice(campaign, values, [Fallbacks.DefaultCopy(ex.Reason)], [], watch, DefaultGrade(allowed));
        }

        int[] headlineOrder, ctaOrder;
        var grade = allowed[0];
        lock (_rngGate)
        {
            headlineOrder = Rank(campaign, bucket, campaign.Headlines, set.Headlines, contextVector);
            ctaOrder = Rank(campaign, bucket, campaign.Ctas, set.Ctas, contextVector);
            if (allowed.Count > 1)
            {
                var moods = allowed.Select(g => new CopyVariant(GradeVariantId(g), GradePresets.MoodOf(g))).ToList();
                grade = allowed[Rank(campaign, bucket, moods, allowed.Select(g => set.Grades[g]).ToArray(), contextVector)[0]];
            }
        }

        var fallbacks = new List<string>(embedder.ProviderFallbacks);
        var blocks = new List<string>();
        var headline = FirstSafe(campaign.Headlines, headlineOrder, CopyKind.Headline, campaign.Rules, values, blocks);
        var cta = FirstSafe(campaign.Ctas, ctaOrder, CopyKind.Cta, campaign.Rules, values, blocks);
        if (headline is null) fallbacks.Add(Fallbacks.DefaultCopy("no-safe-headline"));
        if (cta is null) fallbacks.Add(Fallbacks.DefaultCopy("no-safe-cta"));
        headline ??= DefaultLine(campaign.DefaultCopy.Headline, CopyKind.Headline, campaign.Rules, values, fallbacks, blocks);
        cta ??= DefaultLine(campaign.DefaultCopy.Cta, CopyKind.Cta, campaign.Rules, values, fallbacks, blocks);
        return Result(headline.Value, cta.Value, values, embedder.Provider, fallbacks, blocks, watch, grade);
    }

    /// <summary>The id a grade's outcomes are kept under, beside the copy variants' ids.</summary>
    public static string GradeVariantId(string grade) => "grade:" + grade;

    private static string DefaultGrade(IReadOnlyList<string> allowed) => GradePresets.AllowedOr(GradePresets.Neutral, allowed);

    /// <summary>
    /// Operator preview of a given headline and CTA (variant ids or literal text) without the model: slots are filled and
    /// the safety filter runs; an unsafe line is replaced by the default copy with the reason in Fallbacks and SafetyBlocks.
    /// </summary>
    public CopyChoice ChoosePreview(CampaignSpec campaign, string headline, string cta, RenderContext context)
    {
        var watch = Stopwatch.StartNew();
        var values = SlotFiller.Values(campaign, context);
        var fallbacks = new List<string>();
        var blocks = new List<string>();
        var h = Preview(Resolve(campaign.Headlines, headline), CopyKind.Headline, campaign, values, fallbacks, blocks);
        var c = Preview(Resolve(campaign.Ctas, cta), CopyKind.Cta, campaign, values, fallbacks, blocks);
        return Result(h, c, values, Fallbacks.NoProvider, fallbacks, blocks, watch);
    }

    /// <summary>Counts that the variant was shown; a user id is stored only as this device's salted hash.</summary>
    public void RecordImpression(string campaignId, string variantId, string? userId = null) =>
        outcomes.RecordImpression(campaignId, variantId, HashOrNull(userId));

    /// <summary>Counts a click (or scan, tap) on the variant; a user id is stored only as this device's salted hash.</summary>
    public void RecordClick(string campaignId, string variantId, string? userId = null) =>
        outcomes.RecordClick(campaignId, variantId, HashOrNull(userId));

    /// <summary>The default copy for a model failure, through slot filling and the safety filter like everything else.</summary>
    public CopyChoice DefaultCopy(CampaignSpec campaign, RenderContext context, string reason)
    {
        var watch = Stopwatch.StartNew();
        return DefaultChoice(campaign, SlotFiller.Values(campaign, context), [Fallbacks.DefaultCopy(reason)], [], watch);
    }

    private int[] Rank(CampaignSpec campaign, string bucket, IReadOnlyList<CopyVariant> variants, float[][] vectors, float[] contextVector)
    {
        var similarities = vectors.Select(v => Vectors.Cosine(v, contextVector)).ToArray();
        // The fleet prior (if the device holds one) is where a (bucket, variant) starts; local outcomes add to it.
        var prior = priors?.RowsOf(campaign.Id);
        var stats = variants.Select(v => outcomes.Pooled(campaign.Id, bucket, v.Id, _bandit.PoolImpressions)
            + (prior?.Invoke(bucket, v.Id) ?? VariantStats.None)).ToArray();
        return ThompsonBandit.Rank(similarities, stats, _bandit, _rng, campaign.Exploration);
    }

    /// <summary>
    /// Learns from player events of a personalised render: an impression start, a view to the end or a click, credited to
    /// the exact headline and CTA variants shown, campaign-wide and in the render's context bucket.
    /// </summary>
    public void Learn(string campaignId, string bucket, IReadOnlyList<string> variantIds, VariantStats delta, string? userHash) =>
        outcomes.Record(campaignId, bucket, variantIds, delta, userHash);

    private static Line? FirstSafe(IReadOnlyList<CopyVariant> variants, int[] order, CopyKind kind, CopyRules rules,
        IReadOnlyDictionary<string, string> values, List<string> blocks)
    {
        foreach (var i in order)
        {
            var (text, unresolved) = SlotFiller.Fill(variants[i].Text, values);
            var reasons = SafetyFilter.Check(text, kind, rules, unresolved);
            if (reasons.Count == 0) return new Line(variants[i].Id, text);
            blocks.AddRange(reasons.Select(r => $"{variants[i].Id}:{r}"));
        }
        return null;
    }

    private static Line DefaultLine(string template, CopyKind kind, CopyRules rules, IReadOnlyDictionary<string, string> values,
        List<string> fallbacks, List<string> blocks)
    {
        var (text, unresolved) = SlotFiller.Fill(template, values);
        var id = kind == CopyKind.Headline ? "default-headline" : "default-cta";
        // Approved default copy is still shown when it breaks a rule (there is nothing safer), but it is flagged loudly.
        foreach (var reason in SafetyFilter.Check(text, kind, rules, unresolved))
        {
            blocks.Add($"{id}:{reason}");
            fallbacks.Add(Fallbacks.DefaultCopyUnsafe(reason));
        }
        return new Line(id, text);
    }

    private CopyChoice DefaultChoice(CampaignSpec campaign, IReadOnlyDictionary<string, string> values, List<string> fallbacks,
        List<string> blocks, Stopwatch watch, string grade = GradePresets.Neutral)
    {
        var h = DefaultLine(campaign.DefaultCopy.Headline, CopyKind.Headline, campaign.Rules, values, fallbacks, blocks);
        var c = DefaultLine(campaign.DefaultCopy.Cta, CopyKind.Cta, campaign.Rules, values, fallbacks, blocks);
        return Result(h, c, values, Fallbacks.NoProvider, fallbacks, blocks, watch, grade);
    }

    private static Line Preview(CopyVariant variant, CopyKind kind, CampaignSpec campaign, IReadOnlyDictionary<string, string> values,
        List<string> fallbacks, List<string> blocks)
    {
        var (text, unresolved) = SlotFiller.Fill(variant.Text, values);
        var reasons = SafetyFilter.Check(text, kind, campaign.Rules, unresolved);
        if (reasons.Count == 0) return new Line(variant.Id, text);
        blocks.AddRange(reasons.Select(r => $"{variant.Id}:{r}"));
        fallbacks.Add(Fallbacks.DefaultCopy($"preview-unsafe:{reasons[0]}"));
        var template = kind == CopyKind.Headline ? campaign.DefaultCopy.Headline : campaign.DefaultCopy.Cta;
        return DefaultLine(template, kind, campaign.Rules, values, fallbacks, blocks);
    }

    // Operators preview either an approved variant by id or draft text that is not in the pool yet.
    private static CopyVariant Resolve(IReadOnlyList<CopyVariant> pool, string idOrText) =>
        pool.FirstOrDefault(v => v.Id == idOrText) ?? new CopyVariant("preview", idOrText);

    private static CopyChoice Result(Line headline, Line cta, IReadOnlyDictionary<string, string> values, string provider,
        List<string> fallbacks, List<string> blocks, Stopwatch watch, string grade = GradePresets.Neutral)
    {
        var fields = new Dictionary<string, string>(values, StringComparer.Ordinal) { ["headline"] = headline.Text, ["cta"] = cta.Text };
        return new CopyChoice(headline.Id, headline.Text, cta.Id, cta.Text, fields, provider, fallbacks.Distinct().ToList(), blocks,
            watch.Elapsed.TotalMilliseconds, grade);
    }

    private string? HashOrNull(string? userId) => string.IsNullOrWhiteSpace(userId) ? null : hasher.Hash(userId);

    private readonly record struct Line(string Id, string Text);
}
