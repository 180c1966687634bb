using Fleet.Shared.Campaigns;

namespace Fleet.Shared.Manifests;

/// <summary>What a device needs to render one campaign version: copy, rules, pinned artifacts and the assets to fetch.</summary>
public sealed record Manifest
{
    public required string CampaignId { get; init; }
    /// <summary>Campaign version; devices never go back to a lower version than their last-good one.</summary>
    public required int Version { get; init; }
    public required ArtifactRef Template { get; init; }
    public required ArtifactRef Model { get; init; }
    public VoiceSpec Voice { get; init; } = new();
    public required CopyPool Copy { get; init; }
    public required DefaultCopy DefaultCopy { get; init; }
    public CopyRules Rules { get; init; } = new();
    /// <summary>Slot values used when the device's local data has none.</summary>
    public IReadOnlyDictionary<string, string> FieldDefaults { get; init; } = new Dictionary<string, string>();
    public RenderBudget Budget { get; init; } = new();
    /// <summary>Asset name of the pre-rendered creative, the last fallback.</summary>
    public required string StaticCreative { get; init; }
    public required IReadOnlyList<ManifestAsset> Assets { get; init; }
    /// <summary>The campaign's holdout share (see <see cref="CampaignSpec.Holdout"/>). Left out of the canonical bytes
    /// when 0, so manifests signed before the field existed keep verifying.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public double Holdout { get; init; }
    /// <summary>The campaign's exploration share (see <see cref="CampaignSpec.Exploration"/>); left out when 0, like <see cref="Holdout"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public double Exploration { get; init; }
    /// <summary>The default pool's language and the copy pools by locale (see <see cref="CampaignLocales"/>); left out
    /// when the campaign has none, like <see cref="Holdout"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Locale { get; init; }
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, LocaleCopy>? Locales { get; init; }
    public required DateTimeOffset IssuedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }

    public ManifestAsset? FindAsset(string name) => Assets.FirstOrDefault(a => a.Name == name);
}

/// <summary>A versioned artifact pinned by content: <c>name@semver</c> plus the sha256 of its bytes.</summary>
public sealed record ArtifactRef(string Name, string Version, string Sha256)
{
    /// <summary>The <c>name@version</c> form used by rollouts and the kill-switch.</summary>
    public string Id => $"{Name}@{Version}";

    /// <summary>Parses <c>name@version</c>; throws <see cref="FormatException"/> on anything else.</summary>
    public static ArtifactRef Parse(string id, string sha256)
    {
        var at = id.LastIndexOf('@');
        if (at <= 0 || at == id.Length - 1) throw new FormatException($"artifact id '{id}' is not name@version");
        return new ArtifactRef(id[..at], id[(at + 1)..], sha256);
    }

    public override string ToString() => Id;
}

/// <summary>The approved copy a personalisation model may choose from.</summary>
public sealed record CopyPool(IReadOnlyList<CopyVariant> Headlines, IReadOnlyList<CopyVariant> Ctas);

/// <summary>A file the device must hold before rendering: fetched from <see cref="Url"/>, verified by size and sha256.</summary>
public sealed record ManifestAsset(string Name, string Sha256, long Size, string Url);
