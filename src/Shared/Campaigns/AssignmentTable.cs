using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Campaigns;

/// <summary>
/// Which campaign versions go to which devices, and the trust set to verify them with (bare, and signed by the fleet CA as
/// <see cref="TrustUpdateJson"/>, the only form an enrolled device adopts). The campaign store publishes it
/// on <see cref="Topic"/> after every change and answers <see cref="GetAssignmentTable"/>; each device picks its rows.
/// <see cref="SignedJson"/> carries the rows, overlays and withdrawn versions signed (<see cref="SignedAssignments"/>):
/// a device obeys only what that signature covers.
/// </summary>
public sealed record AssignmentTable(long Revision, IReadOnlyList<Assignment> Assignments, string TrustSetJson,
    IReadOnlyList<ArtifactOverlay>? Overlays = null, string? TrustUpdateJson = null,
    IReadOnlyList<WithdrawnVersion>? Withdrawn = null, string? SignedJson = null) : IFleetProtocol
{
    public const string Topic = "fleet-assignments";

    /// <summary>Rollout overlays in the order they were set; a later one for the same artifact wins.</summary>
    public IReadOnlyList<ArtifactOverlay> ActiveOverlays => Overlays ?? [];

    public IReadOnlyList<WithdrawnVersion> WithdrawnVersions => Withdrawn ?? [];

    public bool IsWithdrawn(string campaignId, int version) =>
        WithdrawnVersions.Any(w => w.Version == version && w.CampaignId == campaignId);

    /// <summary>
    /// The campaign versions one device runs: the assigned rows that match its tags (one per campaign), with rollout
    /// overlays applied: a canary device gets the rollout's version, any other device the version the rollout holds.
    /// A row or overlay naming a withdrawn version is refused.
    /// </summary>
    public IReadOnlyList<Assignment> For(string deviceId, IReadOnlyDictionary<string, string> deviceTags) =>
        Assignments.Where(a => a.Matches(deviceTags) && !IsWithdrawn(a.CampaignId, a.Version))
            .GroupBy(a => a.CampaignId, StringComparer.Ordinal)
            .Select(g => Overlaid(g.MaxBy(a => a.Version)!, deviceId, deviceTags))
            .OrderBy(a => a.CampaignId, StringComparer.Ordinal).ToList();

    /// <summary>The model overlay that applies to this device for model <paramref name="modelName"/>, if any.</summary>
    public ArtifactOverlay? ModelFor(string deviceId, IReadOnlyDictionary<string, string> deviceTags, string modelName) =>
        ActiveOverlays.LastOrDefault(o => o.Kind == ArtifactKind.Model && o.Name == modelName && o.AppliesTo(deviceId, deviceTags));

    private Assignment Overlaid(Assignment row, string deviceId, IReadOnlyDictionary<string, string> deviceTags)
    {
        var overlay = ActiveOverlays.LastOrDefault(o => o.Kind == ArtifactKind.Campaign && o.Name == row.CampaignId && o.Matches(deviceTags));
        if (overlay is null) return row;
        var target = overlay.AppliesTo(deviceId, deviceTags) ? int.Parse(overlay.Version, System.Globalization.CultureInfo.InvariantCulture) : overlay.HoldVersion;
        return target is { } v && !IsWithdrawn(row.CampaignId, v) ? row with { Version = v, Directed = true } : row;
    }
}

/// <summary>
/// A rollout's change to what devices run. Campaign overlays give <see cref="Devices"/> (the cohort) campaign version
/// <see cref="Version"/> and every other matching device <see cref="HoldVersion"/>; model overlays make the cohort use
/// model <see cref="Name"/>@<see cref="Version"/> (<see cref="Sha256"/>) wherever a manifest names that model.
/// <see cref="Devices"/> null means every device whose tags include <see cref="Tags"/> (a completed rollout).
/// </summary>
public sealed record ArtifactOverlay(string RolloutId, ArtifactKind Kind, string Name, string Version, string? Sha256,
    IReadOnlyList<string>? Devices, IReadOnlyDictionary<string, string> Tags, int? HoldVersion) : IFleetProtocol
{
    public bool Matches(IReadOnlyDictionary<string, string> deviceTags) =>
        Tags.All(t => deviceTags.TryGetValue(t.Key, out var v) && v == t.Value);

    public bool AppliesTo(string deviceId, IReadOnlyDictionary<string, string> deviceTags) =>
        Matches(deviceTags) && (Devices is null || Devices.Contains(deviceId, StringComparer.Ordinal));

    public string ArtifactId => $"{Name}@{Version}";
}

/// <summary>
/// Campaign <see cref="CampaignId"/> at <see cref="Version"/> for every device whose tags include all of <see cref="Tags"/>
/// (empty: all devices). <see cref="Directed"/>: a rollout chose this version, so a device moves to it even if it is older
/// than the one it runs (a rollback).
/// </summary>
public sealed record Assignment(string CampaignId, int Version, IReadOnlyDictionary<string, string> Tags, bool Directed = false) : IFleetProtocol
{
    public bool Matches(IReadOnlyDictionary<string, string> deviceTags) =>
        Tags.All(t => deviceTags.TryGetValue(t.Key, out var v) && v == t.Value);
}

/// <summary>Asked by a device's link on registration and with each heartbeat; answered with the current <see cref="AssignmentTable"/>.</summary>
public sealed record GetAssignmentTable(string DeviceId) : IFleetProtocol;

/// <summary>
/// A device's link reports which verified version of each campaign it runs, its recent rejections and the version of
/// the trust update it holds (<see cref="TrustVersion"/>; 0 for a set pinned without one).
/// </summary>
public sealed record DeviceSyncReport(string DeviceId, IReadOnlyList<RunningCampaign> Running, IReadOnlyList<SyncRejection> Rejections,
    DateTimeOffset At, IReadOnlyList<DeviceModel>? Models = null, long? TrustVersion = null) : IFleetProtocol
{
    public IReadOnlyList<DeviceModel> ModelStates => Models ?? [];
}

/// <summary>A model the device renders with (<see cref="Error"/> null), or one it was told to use and could not load.</summary>
public sealed record DeviceModel(string Name, string Version, string? Error) : IFleetProtocol
{
    public string Id => $"{Name}@{Version}";
}

public sealed record RunningCampaign(string CampaignId, int Version, string Kid, DateTimeOffset ExpiresAt) : IFleetProtocol;

/// <summary>A manifest or asset the device refused: the version it kept instead stays in force.</summary>
public sealed record SyncRejection(string CampaignId, int Version, string Reason, string Message, DateTimeOffset At) : IFleetProtocol;
