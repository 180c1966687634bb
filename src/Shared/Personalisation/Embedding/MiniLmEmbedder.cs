using System.Collections.Concurrent;
using System.Diagnostics;
using FastBertTokenizer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>all-MiniLM-L6-v2 sentence embeddings on ONNX Runtime: one session per model per process, loaded lazily on first use.</summary>
public sealed class MiniLmEmbedder : IEmbedder
{
    // A session holds ~90 MB of weights plus arenas; a device must never load it twice, so instances are per model path.
    private static readonly ConcurrentDictionary<string, MiniLmEmbedder> Instances = new();

    private readonly MiniLmOptions _options;
    private readonly ILogger _logger;
    private readonly Lazy<LoadedModel> _model;

    private MiniLmEmbedder(MiniLmOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        // ExecutionAndPublication: concurrent first callers wait for one load; a failed load stays failed (no reload storm per ad).
        _model = new Lazy<LoadedModel>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The process-wide embedder for this model folder and provider; created on first call, loaded on first use.</summary>
    public static MiniLmEmbedder For(MiniLmOptions options, ILogger? logger = null)
    {
        var key = $"{Path.GetFullPath(options.ModelDir)}|{ExecutionProviders.Normalise(options.Provider)}|{options.IntraOpThreads}|{options.MaxTokens}|{options.AllowSpinning}";
        return Instances.GetOrAdd(key, _ => new MiniLmEmbedder(options, logger ?? NullLogger.Instance));
    }

    public string Provider => _model.Value.Provider;
    public IReadOnlyList<string> ProviderFallbacks => _model.Value.Fallbacks;

    /// <summary>Milliseconds the session took to load (tokenizer included).</summary>
    public double LoadMs => _model.Value.LoadMs;

    /// <summary>Loads the model now (e.g. at actor start) so the first ad does not pay for it.</summary>
    public void Warm() => _ = _model.Value;

    public float[][] Embed(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0) return [];
        var model = _model.Value;
        var batch = TokenBatch.Encode(model.Tokenizer, texts, _options.MaxTokens);
        try
        {
            return model.Run(batch);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new EmbeddingModelException("model-failed", $"Embedding inference failed: {ex.Message}", ex);
        }
    }

    private LoadedModel Load()
    {
        if (!File.Exists(_options.ModelPath) || !File.Exists(_options.VocabPath))
            throw new EmbeddingModelException("model-missing",
                $"Embedding model not found: expected {_options.ModelPath} and {_options.VocabPath} (built by the Edge.Node build step).");
        var clock = Stopwatch.StartNew();
        var tokenizer = new BertTokenizer();
        using (var vocab = File.OpenText(_options.VocabPath))
            tokenizer.LoadVocabulary(vocab, convertInputToLowercase: true);

        var fallbacks = new List<string>();
        var wanted = ExecutionProviders.Normalise(_options.Provider);
        InferenceSession? session = null;
        var provider = ExecutionProviders.Cpu;
        if (wanted != ExecutionProviders.Cpu)
        {
            try
            {
                session = CreateSession(wanted);
                provider = wanted;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Listed is not the same as usable: an NPU build, driver or device may be absent; CPU always works.
                fallbacks.Add($"personalise:cpu:{wanted}-unavailable");
                _logger.LogWarning("Execution provider {Provider} unavailable, using CPU: {Error}", wanted, ex.Message);
            }
        }
        session ??= CreateCpuSession();
        var loaded = new LoadedModel(session, tokenizer, provider, fallbacks, clock.Elapsed.TotalMilliseconds);
        _logger.LogInformation("MiniLM loaded in {Ms:F0} ms on {Provider}", loaded.LoadMs, provider);
        return loaded;
    }

    private InferenceSession CreateCpuSession()
    {
        try
        {
            return CreateSession(ExecutionProviders.Cpu);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new EmbeddingModelException("model-corrupt", $"Embedding model {_options.ModelPath} could not be loaded: {ex.Message}", ex);
        }
    }

    private InferenceSession CreateSession(string provider)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = _options.IntraOpThreads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", _options.AllowSpinning ? "1" : "0");
        ExecutionProviders.Append(options, provider);
        var session = new InferenceSession(_options.ModelPath, options);
        if (!session.OutputMetadata.ContainsKey(LoadedModel.HiddenState) || !session.InputMetadata.ContainsKey("input_ids"))
        {
            session.Dispose();
            throw new EmbeddingModelException("model-corrupt",
                $"Embedding model {_options.ModelPath} lacks input_ids/{LoadedModel.HiddenState}: not a sentence-transformer export.");
        }
        return session;
    }
}
