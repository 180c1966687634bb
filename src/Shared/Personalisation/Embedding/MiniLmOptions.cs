namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>Where the MiniLM model lives and how to run it.</summary>
/// <param name="ModelDir">Folder holding <c>model.onnx</c> and <c>vocab.txt</c>; see <see cref="DefaultModelDir"/>.</param>
/// <param name="Provider">Accelerator chain, best first (<c>xnnpack,cpu</c>, <c>qnn</c>, <c>cuda</c> …; see <see cref="ExecutionProviders.Chain"/>); CPU is always the last resort.</param>
/// <param name="IntraOpThreads">ONNX Runtime threads per inference; 2 measured fastest on the 2-core reference device.</param>
/// <param name="MaxTokens">Tokens per sentence; copy and context sentences are short, so 128 is ample and keeps batches small.</param>
/// <param name="AllowSpinning">Let ONNX Runtime threads busy-wait between ops; off by default because ffmpeg and TTS share the device's cores.</param>
public sealed record MiniLmOptions(string ModelDir, string? Provider = null, int IntraOpThreads = 2, int MaxTokens = 128, bool AllowSpinning = false)
{
    /// <summary>The folder the build step extracts the model into, next to the executable.</summary>
    public static string DefaultModelDir => Path.Combine(AppContext.BaseDirectory, "models", "all-MiniLM-L6-v2");

    /// <summary>Options for the model extracted at build time, on CPU.</summary>
    public static MiniLmOptions Default => new(DefaultModelDir);

    /// <summary>Accelerators that are not ONNX Runtime providers (a vendor runtime, a test's faulty wrapper), by name.</summary>
    public IReadOnlyList<IAcceleratorDelegate> Delegates { get; init; } = [];

    /// <summary>The named link of the chain: a registered delegate, else the ONNX Runtime provider of that name.</summary>
    public IAcceleratorDelegate DelegateFor(string name) => Delegates.FirstOrDefault(d => d.Name == name) ?? new OrtProviderDelegate(name);

    public string ModelPath => Path.Combine(ModelDir, "model.onnx");
    public string VocabPath => Path.Combine(ModelDir, "vocab.txt");
}
