using System.Globalization;
using Fleet.Shared.Cli;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Rollouts;

/// <summary>What a rollout can move: a campaign version, a model version, or a template version.</summary>
public enum ArtifactKind { Campaign, Model, Template }

/// <summary>
/// The artifact a rollout moves, as operators write it: <c>campaign:ID@VERSION</c> (a numbered campaign version),
/// <c>model:NAME@SEMVER</c> or <c>template:NAME@VERSION</c>.
/// </summary>
public sealed record RolloutArtifact(ArtifactKind Kind, string Name, string Version) : IFleetProtocol
{
    public static RolloutArtifact Parse(string? text)
    {
        const string Expected = "expected campaign:ID@VERSION, model:NAME@VERSION or template:NAME@VERSION";
        if (string.IsNullOrWhiteSpace(text)) throw new UsageException($"--artifact is required ({Expected})");
        var colon = text.IndexOf(':');
        var at = text.LastIndexOf('@');
        if (colon <= 0 || at <= colon + 1 || at == text.Length - 1) throw new UsageException($"--artifact '{text}': {Expected}");
        var (kindText, name, version) = (text[..colon], text[(colon + 1)..at], text[(at + 1)..]);
        var kind = kindText switch
        {
            "campaign" => ArtifactKind.Campaign,
            "model" => ArtifactKind.Model,
            "template" => ArtifactKind.Template,
            _ => throw new UsageException($"--artifact '{text}': unknown kind '{kindText}'; {Expected}"),
        };
        if (kind != ArtifactKind.Template && !ArtifactName.IsValid(name))
            throw new UsageException($"--artifact '{text}': '{name}' is not a valid name (a-z 0-9 . _ -)");
        if (kind == ArtifactKind.Campaign && (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1))
            throw new UsageException($"--artifact '{text}': a campaign version is a number such as 3");
        if (kind == ArtifactKind.Model && !SemVer.IsValid(version))
            throw new UsageException($"--artifact '{text}': '{version}' is not a semantic version");
        return new RolloutArtifact(kind, name, version);
    }

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Name}@{Version}";
}
