using System.Text.Json;
using System.Text.Json.Serialization;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Rollouts;

/// <summary>
/// What a rollout can move (<c>kind:NAME@VERSION</c>), and everything that differs by kind: how its name and version are
/// checked, how the campaign store resolves it, which devices are eligible, how the assignment table directs them, and
/// what the gates measure. Every kind is one subclass registered in <see cref="All"/>; nothing else switches on a kind,
/// and a kind not in <see cref="All"/> is refused wherever it enters (API, CLI, stored JSON), never guessed.
/// </summary>
[JsonConverter(typeof(ArtifactKindJsonConverter))]
public abstract class ArtifactKind : IFleetProtocol, IEquatable<ArtifactKind>
{
    public static readonly ArtifactKind Campaign = new CampaignArtifactKind();
    public static readonly ArtifactKind Model = new ModelArtifactKind();
    public static readonly ArtifactKind Template = new TemplateArtifactKind();

    /// <summary>Every kind Fleet knows, in the order usage text lists them.</summary>
    public static readonly IReadOnlyList<ArtifactKind> All = [Campaign, Model, Template];

    /// <summary>The kind as operators and stored JSON write it (<c>campaign</c>).</summary>
    public abstract string Name { get; }

    /// <summary>How operators write an artifact of this kind, e.g. <c>campaign:ID@VERSION</c>.</summary>
    public abstract string Form { get; }

    /// <summary>Every kind's form, for usage text: <c>campaign:ID@VERSION|model:NAME@VERSION|…</c>.</summary>
    public static string Forms => string.Join('|', All.Select(k => k.Form));

    /// <summary>Every kind's form as a sentence: <c>campaign:ID@VERSION, model:NAME@VERSION or …</c>.</summary>
    public static string FormsInWords => string.Join(", ", All.SkipLast(1).Select(k => k.Form)) + " or " + All[^1].Form;

    /// <summary>The kind called <paramref name="name"/>, or null when Fleet knows no such kind.</summary>
    public static ArtifactKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>Why <paramref name="name"/>@<paramref name="version"/> is no artifact of this kind (one line), or null when it is one.</summary>
    public virtual string? Invalid(string name, string version) =>
        ArtifactName.IsValid(name) ? null : $"'{name}' is not a valid name (a-z 0-9 . _ -)";

    /// <summary>
    /// Checks the artifact exists in the campaign store and finds the baseline it keeps: an
    /// <see cref="CampaignReplies.ArtifactResolved"/>, or a <see cref="Commands.Refused"/> saying why not.
    /// </summary>
    public abstract object Resolve(RolloutArtifact artifact, IArtifactCatalog catalog);

    /// <summary>Whether another rollout (<paramref name="other"/>) moves what the rollout <paramref name="def"/> moves, so both may not run at once.</summary>
    public abstract bool Overlaps(RolloutEvents.Started def, CampaignReplies.ArtifactResolved other);

    /// <summary>Whether a device whose tags match may be canary or baseline, given its last sync report (null: none yet).</summary>
    public abstract bool Eligible(RolloutEvents.Started def, DeviceSyncReport? report);

    /// <summary>True when the device's report shows it running the rollout's artifact.</summary>
    public abstract bool RunsTarget(RolloutEvents.Started def, DeviceSyncReport report);

    /// <summary>Why the device could not take the artifact, if its report says so.</summary>
    public abstract string? FailureOf(RolloutEvents.Started def, DeviceSyncReport report);

    /// <summary>
    /// The campaign-store commands (assignment-table overlays, version marks) that direct devices for a rollout in
    /// <paramref name="status"/> with <paramref name="cohort"/>, in the order the store must apply them;
    /// <paramref name="gates"/> names who withdraws a version when the gates or an operator undo the rollout.
    /// </summary>
    public abstract IReadOnlyList<object> Directives(RolloutEvents.Started def, RolloutStatus status, IReadOnlyList<string> cohort, string gates);

    /// <summary>What the gates measure: the canary's renders of this campaign version or of this model (the others null).</summary>
    public abstract CanaryScope Canary(RolloutEvents.Started def);

    /// <summary>The campaign version whose copy review may hold the first stage (<c>--require-review</c>); null when the kind has no copy.</summary>
    public virtual (string CampaignId, int Version)? Reviewed(RolloutEvents.Started def) => null;

    public sealed override string ToString() => Name;

    // Kinds are stateless and equal by name: JSON reads back the instances in All, but Hyperion (messages between nodes)
    // builds an instance of its own, and that one must still compare equal to ArtifactKind.Model.
    public bool Equals(ArtifactKind? other) => other is not null && other.Name == Name;

    public sealed override bool Equals(object? obj) => Equals(obj as ArtifactKind);

    public sealed override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    public static bool operator ==(ArtifactKind? a, ArtifactKind? b) => a?.Equals(b) ?? b is null;

    public static bool operator !=(ArtifactKind? a, ArtifactKind? b) => !(a == b);
}

/// <summary>The renders the gates judge a rollout's canary on (<see cref="Fleet.Shared.Telemetry.TelemetryProtocol.HealthQuery"/>).</summary>
public sealed record CanaryScope(string? CampaignId, string? CampaignVersion, string? Model);

/// <summary>Writes a kind by its name and reads only a name Fleet knows: stored data naming another kind fails to read, in one line.</summary>
public sealed class ArtifactKindJsonConverter : JsonConverter<ArtifactKind>
{
    public override ArtifactKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString()! : $"{JsonSerializer.Deserialize<JsonElement>(ref reader)}";
        return ArtifactKind.Find(name)
            ?? throw new JsonException($"unknown artifact kind '{name}'; known kinds: {string.Join(", ", ArtifactKind.All.Select(k => k.Name))}");
    }

    public override void Write(Utf8JsonWriter writer, ArtifactKind value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
}
