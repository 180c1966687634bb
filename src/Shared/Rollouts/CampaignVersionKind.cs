using System.Globalization;
using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;

namespace Fleet.Shared.Rollouts;

/// <summary>
/// A kind whose rollout moves one numbered campaign version (<see cref="RolloutEvents.Started.CampaignId"/> at
/// <see cref="RolloutEvents.Started.TargetVersion"/>): only devices that run the campaign take part, a campaign overlay
/// gives the cohort the target and holds the rest at the previous version, and the gates judge the target's renders.
/// </summary>
public abstract class CampaignVersionKind : ArtifactKind
{
    public sealed override bool Overlaps(RolloutEvents.Started def, CampaignReplies.ArtifactResolved other) => other.CampaignId == def.CampaignId;

    public sealed override bool Eligible(RolloutEvents.Started def, DeviceSyncReport? report) =>
        report is not null && report.Running.Any(c => c.CampaignId == def.CampaignId);

    public sealed override bool RunsTarget(RolloutEvents.Started def, DeviceSyncReport report) =>
        report.Running.Any(c => c.CampaignId == def.CampaignId && c.Version == def.TargetVersion);

    public sealed override string? FailureOf(RolloutEvents.Started def, DeviceSyncReport report) =>
        report.Rejections.LastOrDefault(x => x.CampaignId == def.CampaignId && x.Version == def.TargetVersion) is { } x ? $"{x.Reason}: {x.Message}" : null;

    public sealed override IReadOnlyList<object> Directives(RolloutEvents.Started def, RolloutStatus status, IReadOnlyList<string> cohort, string gates)
    {
        var (campaign, target) = (def.CampaignId!, def.TargetVersion!.Value);
        return status switch
        {
            RolloutStatus.Running or RolloutStatus.Paused =>
                [new CampaignCommands.SetOverlay(new ArtifactOverlay(def.RolloutId, Campaign, campaign, target.ToString(CultureInfo.InvariantCulture),
                    null, cohort, def.Tags, def.PreviousVersion))],
            RolloutStatus.Completed =>
                [new CampaignCommands.MarkVersion(campaign, target, false, def.By, $"{def.RolloutId} completed"), new CampaignCommands.ClearOverlay(def.RolloutId)],
            _ => [new CampaignCommands.MarkVersion(campaign, target, true, gates, $"{def.RolloutId} {Serialization.FleetJson.Name(status)}"), new CampaignCommands.ClearOverlay(def.RolloutId)],
        };
    }

    public sealed override CanaryScope Canary(RolloutEvents.Started def) => new(def.CampaignId, def.TargetVersion?.ToString(), null);

    public sealed override (string CampaignId, int Version)? Reviewed(RolloutEvents.Started def) => (def.CampaignId!, def.TargetVersion!.Value);

    /// <summary>The version <paramref name="target"/> replaces: the newest one in force below it, which the baseline keeps and a rollback returns to.</summary>
    protected static object Baseline(RolloutArtifact artifact, string campaignId, int target, IArtifactCatalog catalog) =>
        catalog.InForceBefore(campaignId, target) is { } previous
            ? new CampaignReplies.ArtifactResolved(artifact, campaignId, target, previous, null, $"{campaignId} v{previous}")
            : Refused.Conflict($"campaign '{campaignId}' has no version in force before v{target} for the baseline to keep");
}

/// <summary><c>campaign:ID@VERSION</c>: a numbered version of one campaign.</summary>
public sealed class CampaignArtifactKind : CampaignVersionKind
{
    public override string Name => "campaign";
    public override string Form => "campaign:ID@VERSION";

    public override string? Invalid(string name, string version) => base.Invalid(name, version)
        ?? (int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? null : "a campaign version is a number such as 3");

    public override object Resolve(RolloutArtifact artifact, IArtifactCatalog catalog)
    {
        if (!catalog.CampaignExists(artifact.Name)) return Refused.NotFound($"campaign '{artifact.Name}' does not exist");
        var v = int.Parse(artifact.Version, CultureInfo.InvariantCulture);
        return catalog.HasVersion(artifact.Name, v) ? Baseline(artifact, artifact.Name, v, catalog) : Refused.NotFound($"campaign '{artifact.Name}' has no version {v}");
    }
}

/// <summary><c>template:NAME@VERSION</c>: the campaign version that first carries this template.</summary>
public sealed class TemplateArtifactKind : CampaignVersionKind
{
    public override string Name => "template";
    public override string Form => "template:NAME@VERSION";

    /// <summary>Any name and version a manifest may give its template; the store says whether one carries it.</summary>
    public override string? Invalid(string name, string version) => null;

    public override object Resolve(RolloutArtifact artifact, IArtifactCatalog catalog) =>
        catalog.TemplateOwner($"{artifact.Name}@{artifact.Version}") is { } owner
            ? Baseline(artifact, owner.CampaignId, owner.Version, catalog)
            : Refused.NotFound($"template {artifact.Name}@{artifact.Version} belongs to no campaign version");
}
