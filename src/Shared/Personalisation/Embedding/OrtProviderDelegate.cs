using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>An ONNX Runtime execution provider (or plain CPU) as a link in the accelerator chain.</summary>
public sealed class OrtProviderDelegate(string name) : IAcceleratorDelegate
{
    public string Name { get; } = ExecutionProviders.Normalise(name);

    /// <summary>
    /// The options every embedding session runs with, on a device and when <c>model quantize</c> times a model, so the
    /// latency it reports is the one a device gets.
    /// </summary>
    internal static SessionOptions SessionOptionsFor(int intraOpThreads, bool allowSpinning)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // No arena and no per-shape memory plans: each inference's activations go back to the heap (and, trimmed,
            // to the system) instead of staying reserved at the largest input seen; the model is small, the cost nil.
            EnableCpuMemArena = false,
            EnableMemoryPattern = false,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        return options;
    }

    public IEmbeddingSession Open(MiniLmOptions options)
    {
        using var sessionOptions = SessionOptionsFor(options.IntraOpThreads, options.AllowSpinning);
        ExecutionProviders.Append(sessionOptions, Name);
        var tables = MappedLookupTables.TryMap(options.ModelPath);
        tables?.AddTo(sessionOptions);
        InferenceSession session;
        try { session = new InferenceSession(options.ModelPath, sessionOptions); }
        catch
        {
            tables?.Dispose();
            throw;
        }
        IO.NativeHeap.Trim(); // the parsed model file is freed by now, in pieces among the session's own blocks
        var opened = new OrtEmbeddingSession(session, tables);
        if (!session.OutputMetadata.ContainsKey(OrtEmbeddingSession.HiddenState) || !session.InputMetadata.ContainsKey("input_ids"))
        {
            opened.Dispose();
            throw new EmbeddingModelException("model-corrupt",
                $"Embedding model {options.ModelPath} lacks input_ids/{OrtEmbeddingSession.HiddenState}: not a sentence-transformer export.");
        }
        return opened;
    }
}
