using System.Collections.Concurrent;
using System.Diagnostics;
using FastBertTokenizer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings on the first accelerator of the chain that works: each link is opened and probed
/// with a real inference at load, and a link that fails later hands over to the next one without failing the caller.
/// One session per model per process, loaded lazily on first use.
/// </summary>
public sealed class MiniLmEmbedder : IEmbedder, IDisposable
{
    // A session holds ~90 MB of weights plus arenas; a device must never load it twice, so instances are per model path.
    private static readonly ConcurrentDictionary<string, MiniLmEmbedder> Instances = new();
    private const string ProbeText = "probe";

    private readonly MiniLmOptions _options;
    private readonly ILogger _logger;
    private readonly Lazy<BertTokenizer> _tokenizer;
    private readonly Lock _gate = new();
    private readonly List<string> _fallbacks = [];
    private IReadOnlyList<string>? _chain;
    private Active? _active;
    private EmbeddingModelException? _failed;
    private double _loadMs;

    private sealed record Active(IEmbeddingSession Session, string Provider, int Index);

    /// <summary>A private embedder (tests, one-off tools); dispose it. Devices use <see cref="For"/>.</summary>
    public MiniLmEmbedder(MiniLmOptions options, ILogger? logger = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _tokenizer = new Lazy<BertTokenizer>(LoadTokenizer, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The process-wide embedder for this model folder and chain; created on first call, loaded on first use.</summary>
    public static MiniLmEmbedder For(MiniLmOptions options, ILogger? logger = null)
    {
        var key = $"{Path.GetFullPath(options.ModelDir)}|{options.Provider}|{options.IntraOpThreads}|{options.MaxTokens}|{options.AllowSpinning}";
        return Instances.GetOrAdd(key, _ => new MiniLmEmbedder(options, logger));
    }

    /// <summary>Where the model lives and how it runs.</summary>
    public MiniLmOptions Options => _options;

    /// <summary>The accelerator in use (<c>cpu</c>, <c>xnnpack</c> …); loads the model if it is not loaded yet.</summary>
    public string Provider => Current().Provider;

    /// <summary>The configured chain, CPU last, as <see cref="ExecutionProviders.Chain"/> read it.</summary>
    public IReadOnlyList<string> Chain => _chain ??= ExecutionProviders.Chain(_options.Provider, _options.Delegates.Select(d => d.Name));

    public IReadOnlyList<string> ProviderFallbacks
    {
        get
        {
            Current();
            lock (_gate) return _fallbacks.ToList();
        }
    }

    /// <summary>Milliseconds the first working session took to open and probe (tokenizer included).</summary>
    public double LoadMs
    {
        get
        {
            Current();
            return _loadMs;
        }
    }

    /// <summary>Loads the model now (e.g. at actor start) so the first ad does not pay for it.</summary>
    public void Warm() => Current();

    public float[][] Embed(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0) return [];
        var batch = TokenBatch.Encode(_tokenizer.Value, texts, _options.MaxTokens);
        while (true)
        {
            var active = Current();
            try
            {
                return active.Session.Run(batch);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && active.Index < Chain.Count - 1)
            {
                // The accelerator failed at run time: the next link takes this batch and every later one.
                FallBack(active, ex);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new EmbeddingModelException("model-failed", $"Embedding inference failed: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Closes the session; a device does this when the model is replaced or refused.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _active?.Session.Dispose();
            _active = null;
            _failed ??= new EmbeddingModelException("model-unloaded", "The embedding model was unloaded.");
        }
        foreach (var (key, value) in Instances)
            if (ReferenceEquals(value, this)) Instances.TryRemove(key, out _);
    }

    /// <summary>Unloads the process-wide embedder of this model folder (every chain), e.g. when a rollout replaces the model.</summary>
    public static void Unload(string modelDir)
    {
        var prefix = Path.GetFullPath(modelDir) + "|";
        foreach (var (key, value) in Instances)
            if (key.StartsWith(prefix, StringComparison.Ordinal)) value.Dispose();
    }

    private Active Current()
    {
        if (Volatile.Read(ref _active) is { } active) return active;
        lock (_gate)
        {
            if (_active is not null) return _active;
            // A failed load stays failed (no reload storm per ad).
            if (_failed is not null) throw _failed;
            try
            {
                var clock = Stopwatch.StartNew();
                _ = _tokenizer.Value;
                _active = OpenFrom(0);
                _loadMs = clock.Elapsed.TotalMilliseconds;
                _logger.LogInformation("MiniLM loaded in {Ms:F0} ms on {Provider} (chain {Chain})", _loadMs, _active.Provider, string.Join(",", Chain));
                return _active;
            }
            catch (EmbeddingModelException ex)
            {
                _failed = ex;
                throw;
            }
        }
    }

    private void FallBack(Active failed, Exception ex)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_active, failed)) return; // another caller already moved on
            _logger.LogWarning("Execution provider {Provider} failed at run time, falling back: {Error}", failed.Provider, ex.Message);
            failed.Session.Dispose();
            _active = null;
            var next = OpenFrom(failed.Index + 1);
            _fallbacks.Add($"personalise:{next.Provider}:{failed.Provider}-failed");
            _active = next;
        }
    }

    // Opens the first link from `start` that loads and survives a real inference; CPU (last) failing means the model is bad.
    private Active OpenFrom(int start)
    {
        if (!File.Exists(_options.ModelPath))
            throw new EmbeddingModelException("model-missing",
                $"Embedding model not found: expected {_options.ModelPath} and {_options.VocabPath} (built by the Edge.Node build step).");
        for (var i = start; i < Chain.Count; i++)
        {
            var name = Chain[i];
            IEmbeddingSession? session = null;
            try
            {
                session = _options.DelegateFor(name).Open(_options);
                session.Run(TokenBatch.Encode(_tokenizer.Value, [ProbeText], _options.MaxTokens));
                return new Active(session, name, i);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && i < Chain.Count - 1)
            {
                // Listed is not the same as usable: an NPU build, driver or device may be absent; the next link is tried.
                session?.Dispose();
                _fallbacks.Add($"personalise:{Chain[i + 1]}:{name}-unavailable");
                _logger.LogWarning("Execution provider {Provider} unavailable: {Error}", name, ex.Message);
            }
            catch (Exception ex) when (ex is OnnxRuntimeException)
            {
                session?.Dispose();
                throw new EmbeddingModelException("model-corrupt", $"Embedding model {_options.ModelPath} could not be loaded: {ex.Message}", ex);
            }
            catch (EmbeddingModelException)
            {
                session?.Dispose();
                throw;
            }
        }
        throw new EmbeddingModelException("model-failed", "No accelerator in the chain could run the embedding model.");
    }

    private BertTokenizer LoadTokenizer()
    {
        if (!File.Exists(_options.VocabPath))
            throw new EmbeddingModelException("model-missing",
                $"Embedding model not found: expected {_options.ModelPath} and {_options.VocabPath} (built by the Edge.Node build step).");
        var tokenizer = new BertTokenizer();
        using var vocab = File.OpenText(_options.VocabPath);
        tokenizer.LoadVocabulary(vocab, convertInputToLowercase: true);
        return tokenizer;
    }
}
