namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>Turns sentences into L2-normalised vectors; the seam between copy choice and ONNX Runtime.</summary>
public interface IEmbedder
{
    /// <summary>Embeds all texts in one batch; row i belongs to texts[i]. Throws <see cref="EmbeddingModelException"/> when the model cannot be used.</summary>
    float[][] Embed(IReadOnlyList<string> texts);

    /// <summary>Active execution provider (<c>cpu</c>, <c>cuda</c> …); loads the model if it is not loaded yet.</summary>
    string Provider { get; }

    /// <summary>Why a configured provider was not used, e.g. <c>personalise:cpu:npu-unavailable</c>.</summary>
    IReadOnlyList<string> ProviderFallbacks { get; }
}

/// <summary>The embedding model is missing, corrupt or failed while running; <see cref="Reason"/> is a short kebab-case code for fallbacks.</summary>
public sealed class EmbeddingModelException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary><c>model-missing</c>, <c>model-corrupt</c> or <c>model-failed</c>.</summary>
    public string Reason { get; } = reason;
}
