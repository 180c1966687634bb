using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>An ONNX Runtime execution provider (or plain CPU) as a link in the accelerator chain.</summary>
public sealed class OrtProviderDelegate(string name) : IAcceleratorDelegate
{
    public string Name { get; } = ExecutionProviders.Normalise(name);

    public IEmbeddingSession Open(MiniLmOptions options)
    {
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // No arena and no per-shape memory plans: each inference's activations go back to the heap (and, trimmed,
            // to the system) instead of staying reserved at the largest input seen; the model is small, the cost nil.
            EnableCpuMemArena = false,
            EnableMemoryPattern = false,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        ExecutionProviders.Append(sessionOptions, Name);
        var session = new InferenceSession(options.ModelPath, sessionOptions);
        if (!session.OutputMetadata.ContainsKey(OrtEmbeddingSession.HiddenState) || !session.InputMetadata.ContainsKey("input_ids"))
        {
            session.Dispose();
            throw new EmbeddingModelException("model-corrupt",
                $"Embedding model {options.ModelPath} lacks input_ids/{OrtEmbeddingSession.HiddenState}: not a sentence-transformer export.");
        }
        return new OrtEmbeddingSession(session);
    }
}
