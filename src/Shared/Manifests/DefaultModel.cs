
namespace Fleet.Shared.Manifests;

/// <summary>The personalisation model every device ships with (all-MiniLM-L6-v2, fp32), pinned by its sha256.</summary>
public static class DefaultModel
{
    public static readonly ArtifactRef Ref = new("all-minilm-l6-v2", "1.0.0", "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2");
}
