using Fleet.Edge.Personalisation.Bandit;
using Fleet.Shared.Personalisation.Embedding;

namespace Fleet.Edge.Personalisation;

/// <summary>Configuration of the personalise stage: data folder, model, preferred accelerator and bandit tuning.</summary>
/// <param name="DataDir">Node data folder; outcomes go to <c>personalisation/</c>, the user-id salt to <c>secrets/</c>.</param>
/// <param name="ModelDir">Folder with <c>model.onnx</c> and <c>vocab.txt</c>; null means the one extracted at build time.</param>
/// <param name="Provider">Accelerator chain (<c>xnnpack,cpu</c>, <c>qnn</c>, <c>cuda</c> …; <c>--ep</c>); null or <c>cpu</c> for CPU only.</param>
/// <param name="Seed">Seeds the bandit's random draws (tests, reproducible demos); null draws a fresh seed.</param>
public sealed record PersonaliseSettings(string DataDir, string? ModelDir = null, string? Provider = null, int? Seed = null)
{
    public BanditOptions Bandit { get; init; } = new();
    public int IntraOpThreads { get; init; } = 2;

    /// <summary>A model no render used for this long has its session closed (never the one in use; <c>--model-unload-after</c>); null: never.</summary>
    public TimeSpan? UnloadUnusedModelAfter { get; init; } = DefaultUnloadUnusedModelAfter;

    public static readonly TimeSpan DefaultUnloadUnusedModelAfter = TimeSpan.FromMinutes(2);

    public MiniLmOptions Model => new(ModelDir ?? MiniLmOptions.DefaultModelDir, Provider, IntraOpThreads);
}
