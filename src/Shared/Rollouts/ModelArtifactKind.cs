using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;

namespace Fleet.Shared.Rollouts;

/// <summary>
/// <c>model:NAME@SEMVER</c>: a published model. Every device with the rollout's tags takes part; a model overlay makes the
/// cohort use this version wherever a manifest names the model, and the gates judge the renders made with it.
/// </summary>
public sealed class ModelArtifactKind : ArtifactKind
{
    public override string Name => "model";
    public override string Form => "model:NAME@VERSION";

    public override string? Invalid(string name, string version) => base.Invalid(name, version)
        ?? (SemVer.IsValid(version) ? null : $"'{version}' is not a semantic version");

    public override object Resolve(RolloutArtifact artifact, IArtifactCatalog catalog)
    {
        var id = Id(artifact);
        return catalog.PublishedModel(id) is { } model
            ? new CampaignReplies.ArtifactResolved(artifact, null, null, null, model.Sha256,
                catalog.ModelDirectedFleetWide(artifact.Name) ?? $"{artifact.Name} as each manifest names it")
            : Refused.NotFound($"model {id} is not published (fleet-cloud model publish)");
    }

    public override bool Overlaps(RolloutEvents.Started def, CampaignReplies.ArtifactResolved other) =>
        other.Artifact.Kind == this && other.Artifact.Name == def.Artifact.Name;

    public override bool Eligible(RolloutEvents.Started def, DeviceSyncReport? report) => true;

    public override bool RunsTarget(RolloutEvents.Started def, DeviceSyncReport report) =>
        report.ModelStates.Any(m => m.Id == Id(def.Artifact) && m.Error is null);

    public override string? FailureOf(RolloutEvents.Started def, DeviceSyncReport report) =>
        report.ModelStates.FirstOrDefault(m => m.Id == Id(def.Artifact) && m.Error is not null)?.Error;

    /// <summary>The cohort gets the model while the rollout runs, every device with its tags once it completed; undone, the overlay goes.</summary>
    public override IReadOnlyList<object> Directives(RolloutEvents.Started def, RolloutStatus status, IReadOnlyList<string> cohort, string gates) => status switch
    {
        RolloutStatus.Running or RolloutStatus.Paused => [new CampaignCommands.SetOverlay(Overlay(def, cohort))],
        RolloutStatus.Completed => [new CampaignCommands.SetOverlay(Overlay(def, null))],
        _ => [new CampaignCommands.ClearOverlay(def.RolloutId)],
    };

    public override CanaryScope Canary(RolloutEvents.Started def) => new(def.CampaignId, null, Id(def.Artifact));

    private ArtifactOverlay Overlay(RolloutEvents.Started def, IReadOnlyList<string>? devices) =>
        new(def.RolloutId, this, def.Artifact.Name, def.Artifact.Version, def.ModelSha256, devices, def.Tags, null);

    private static string Id(RolloutArtifact a) => $"{a.Name}@{a.Version}";
}
