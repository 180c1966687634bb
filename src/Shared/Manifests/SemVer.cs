using System.Text.RegularExpressions;

namespace Fleet.Shared.Manifests;

/// <summary>Semantic versions as artifacts use them: MAJOR.MINOR.PATCH with an optional pre-release and build part.</summary>
public static partial class SemVer
{
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? version) => version is { Length: <= 64 } && Pattern().IsMatch(version);
}

/// <summary>Artifact and campaign names: lowercase, path- and URL-safe.</summary>
public static partial class ArtifactName
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);
}
