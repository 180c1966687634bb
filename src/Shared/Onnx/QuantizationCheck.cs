using System.Diagnostics;
using FastBertTokenizer;
using Fleet.Shared.Personalisation.Embedding;
using Microsoft.ML.OnnxRuntime;

namespace Fleet.Shared.Onnx;

/// <summary>Copy pools the check ranks against: the campaign's headlines and CTAs, or a generic pool without a campaign.</summary>
public sealed record CopyPools(IReadOnlyList<string> Headlines, IReadOnlyList<string> Ctas)
{
    /// <summary>Used when no campaign is given: short retail lines of the kind campaigns carry.</summary>
    public static CopyPools Generic => new(
        ["Summer sale: everything must go", "Fresh coffee to start your morning", "Stay dry: umbrellas half price", "Warm up with our winter range",
         "Fuel your workout", "Sweet treats for the whole family", "Travel light, travel far", "New season, new style"],
        ["Shop now", "Grab a coffee", "Scan for your discount", "Ask in store", "Order ahead", "Try it today"]);
}

/// <summary>How far an INT8 model's embeddings are from the fp32 model's, and whether that is close enough.</summary>
/// <param name="CosineMean">Mean cosine similarity between the two models' embeddings of the same text.</param>
/// <param name="Identical">Copy choices (best headline, best CTA per context by similarity) both models make the same.</param>
/// <param name="Agreed">Choices that are identical or where the INT8 pick scores within <see cref="QuantizationCheck.TieTolerance"/>
/// of the fp32 pick under fp32 (a tie the bandit's sampling decides anyway); <see cref="Agreement"/> is their share.</param>
/// <param name="Plan">Which <see cref="QuantizationPlans"/> entry produced the model.</param>
public sealed record QuantizationReport(
    string Plan, long Fp32Bytes, long Int8Bytes, int Texts, int Contexts, double CosineMean, double CosineMin,
    int Choices, int Identical, int Agreed, double Agreement, double Fp32P50Ms, double Int8P50Ms, double Threshold, QuantizeSummary Quantized)
{
    /// <summary>Both the mean similarity and the copy agreement reach the threshold.</summary>
    public bool Passed => CosineMean >= Threshold && Agreement >= Threshold;

    /// <summary>One line with every number, for the refusal and the log.</summary>
    public string Summary =>
        $"plan {Plan}: cosine mean {CosineMean:F4} min {CosineMin:F4} over {Texts} texts, copy agreement {Agreement:P1} ({Agreed}/{Choices}, {Identical} identical), threshold {Threshold:F2}; " +
        $"size {Fp32Bytes / 1e6:F1} MB -> {Int8Bytes / 1e6:F1} MB, p50 {Fp32P50Ms:F1} ms -> {Int8P50Ms:F1} ms";
}

/// <summary>
/// Runs an INT8 candidate beside the fp32 model on ONNX Runtime's CPU EP over the same texts. The fp32 side (session,
/// reference vectors, latency) is computed once, so several candidates can be checked for the price of one fp32 pass.
/// </summary>
public sealed class QuantizationCheck : IDisposable
{
    private const int Batch = 32;
    private const int LatencyRuns = 30;

    /// <summary>
    /// Cosine gap under which two variants count as tied: a tenth of the bandit's default temperature (0.05), i.e. a
    /// prior click-rate difference of ~10 %, which Thompson sampling treats as noise.
    /// </summary>
    public const double TieTolerance = 0.005;

    private readonly string _fp32Path;
    private readonly BertTokenizer _tokenizer = new();
    private readonly CopyPools _pools;
    private readonly IReadOnlyList<string> _contexts;
    private readonly List<string> _texts;
    private readonly double _threshold;
    private readonly InferenceSession _fp32Session;
    private readonly float[][] _reference;
    private readonly double _fp32P50;

    public QuantizationCheck(string fp32Path, string vocabPath, CopyPools pools, IReadOnlyList<string> contexts, double threshold)
    {
        (_fp32Path, _pools, _contexts, _threshold) = (fp32Path, pools, contexts, threshold);
        using (var vocab = File.OpenText(vocabPath)) _tokenizer.LoadVocabulary(vocab, convertInputToLowercase: true);
        _texts = pools.Headlines.Concat(pools.Ctas).Concat(contexts).ToList();
        _fp32Session = Session(o => new InferenceSession(fp32Path, o));
        var fp32 = new OrtEmbeddingSession(_fp32Session);
        _reference = Embed(fp32);
        _fp32P50 = P50(fp32);
    }

    /// <summary>Compares one INT8 model (its bytes) with the fp32 reference.</summary>
    public QuantizationReport Check(byte[] int8Model, QuantizeSummary quantized, string plan)
    {
        using var session = Session(o => new InferenceSession(int8Model, o));
        var int8 = new OrtEmbeddingSession(session);
        var vectors = Embed(int8);
        var cosines = _reference.Zip(vectors, (x, y) => Vectors.Cosine(x, y)).ToArray();
        var (h, c) = (_pools.Headlines.Count, _pools.Ctas.Count);
        int identical = 0, agreed = 0;
        for (var i = h + c; i < _texts.Count; i++)
        {
            Compare(i, 0, h);
            Compare(i, h, c);
        }
        var choices = 2 * _contexts.Count;
        return new QuantizationReport(plan, new FileInfo(_fp32Path).Length, int8Model.LongLength, _texts.Count, _contexts.Count,
            cosines.Average(), cosines.Min(), choices, identical, agreed, choices == 0 ? 1 : (double)agreed / choices,
            _fp32P50, P50(int8), _threshold, quantized);

        void Compare(int context, int from, int count)
        {
            var (expected, actual) = (Best(_reference, context, from, count), Best(vectors, context, from, count));
            if (expected == actual) identical++;
            var gap = Vectors.Cosine(_reference[context], _reference[from + expected]) - Vectors.Cosine(_reference[context], _reference[from + actual]);
            if (gap < TieTolerance) agreed++;
        }
    }

    public void Dispose() => _fp32Session.Dispose();

    private static InferenceSession Session(Func<SessionOptions, InferenceSession> create)
    {
        using var options = OrtProviderDelegate.SessionOptionsFor(intraOpThreads: 2, allowSpinning: false);
        return create(options);
    }

    private float[][] Embed(OrtEmbeddingSession model) =>
        _texts.Chunk(Batch).SelectMany(chunk => model.Run(TokenBatch.Encode(_tokenizer, chunk, 128))).ToArray();

    // Index (within the pool starting at `from`) of the variant most similar to context row `i`.
    private static int Best(float[][] vectors, int i, int from, int count)
    {
        var best = -1;
        var bestScore = double.NegativeInfinity;
        for (var j = 0; j < count; j++)
        {
            var score = Vectors.Cosine(vectors[i], vectors[from + j]);
            if (score > bestScore) (best, bestScore) = (j, score);
        }
        return best;
    }

    // One sentence at a time, as a device embeds a render's context.
    private double P50(OrtEmbeddingSession model)
    {
        var batch = TokenBatch.Encode(_tokenizer, [_contexts.Count > 0 ? _contexts[0] : _texts[0]], 128);
        model.Run(batch);
        var times = new double[LatencyRuns];
        for (var i = 0; i < LatencyRuns; i++)
        {
            var clock = Stopwatch.StartNew();
            model.Run(batch);
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[LatencyRuns / 2];
    }
}
