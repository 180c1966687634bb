using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Rollouts;

/// <summary>
/// The artifact a rollout moves, as operators write it: <c>KIND:NAME@VERSION</c> for one of <see cref="ArtifactKind.All"/>
/// (<c>campaign:ID@VERSION</c>, <c>model:NAME@SEMVER</c>, <c>template:NAME@VERSION</c>).
/// </summary>
public sealed record RolloutArtifact(ArtifactKind Kind, string Name, string Version) : IFleetProtocol
{
    public static RolloutArtifact Parse(string? text)
    {
        var expected = $"expected {ArtifactKind.FormsInWords}";
        if (string.IsNullOrWhiteSpace(text)) throw new UsageException($"--artifact is required ({expected})");
        var colon = text.IndexOf(':');
        var at = text.LastIndexOf('@');
        if (colon <= 0 || at <= colon + 1 || at == text.Length - 1) throw new UsageException($"--artifact '{text}': {expected}");
        var (kindText, name, version) = (text[..colon], text[(colon + 1)..at], text[(at + 1)..]);
        var kind = ArtifactKind.Find(kindText) ?? throw new UsageException($"--artifact '{text}': unknown kind '{kindText}'; {expected}");
        if (kind.Invalid(name, version) is { } why) throw new UsageException($"--artifact '{text}': {why}");
        return new RolloutArtifact(kind, name, version);
    }

    public override string ToString() => $"{Kind.Name}:{Name}@{Version}";
}
