namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>
/// One way to run the embedding model, named in the device's accelerator chain (<c>--ep xnnpack,cpu</c>). ONNX Runtime's
/// execution providers are <see cref="OrtProviderDelegate"/>s; a vendor runtime that is not an ONNX Runtime provider (the
/// Raspberry Pi AI HAT's Hailo runtime, which runs compiled .hef networks) plugs in by implementing this interface and
/// being listed in <see cref="MiniLmOptions.Delegates"/> under its name.
/// </summary>
public interface IAcceleratorDelegate
{
    /// <summary>The name used in the chain, lower case (<c>cpu</c>, <c>xnnpack</c>, <c>hailo</c> …).</summary>
    string Name { get; }

    /// <summary>Opens the model on this accelerator; throws when this machine, driver or build cannot run it.</summary>
    IEmbeddingSession Open(MiniLmOptions options);
}

/// <summary>An opened model on one accelerator: runs a tokenised batch and returns one L2-normalised vector per row.</summary>
public interface IEmbeddingSession : IDisposable
{
    /// <summary>Embeds a batch; throws when the accelerator fails at run time (the embedder then falls back along the chain).</summary>
    float[][] Run(TokenBatch batch);
}
