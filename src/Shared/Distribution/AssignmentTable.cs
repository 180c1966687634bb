using Fleet.Shared.Serialization;

namespace Fleet.Shared.Distribution;

/// <summary>
/// Which campaign versions go to which devices, and the trust set to verify them with. The campaign store publishes it
/// on <see cref="Topic"/> after every change and answers <see cref="GetAssignmentTable"/>; each device picks its rows.
/// </summary>
public sealed record AssignmentTable(long Revision, IReadOnlyList<Assignment> Assignments, string TrustSetJson) : IFleetProtocol
{
    public const string Topic = "fleet-assignments";

    /// <summary>The rows that apply to a device with these tags, newest version per campaign.</summary>
    public IReadOnlyList<Assignment> For(IReadOnlyDictionary<string, string> deviceTags) =>
        Assignments.Where(a => a.Matches(deviceTags)).OrderBy(a => a.CampaignId, StringComparer.Ordinal).ToList();
}

/// <summary>Campaign <see cref="CampaignId"/> at <see cref="Version"/> for every device whose tags include all of <see cref="Tags"/> (empty: all devices).</summary>
public sealed record Assignment(string CampaignId, int Version, IReadOnlyDictionary<string, string> Tags) : IFleetProtocol
{
    public bool Matches(IReadOnlyDictionary<string, string> deviceTags) =>
        Tags.All(t => deviceTags.TryGetValue(t.Key, out var v) && v == t.Value);
}

/// <summary>Asked by a device's link on registration and with each heartbeat; answered with the current <see cref="AssignmentTable"/>.</summary>
public sealed record GetAssignmentTable(string DeviceId) : IFleetProtocol;

/// <summary>A device's link reports which verified version of each campaign it runs and its recent rejections.</summary>
public sealed record DeviceSyncReport(string DeviceId, IReadOnlyList<RunningCampaign> Running, IReadOnlyList<SyncRejection> Rejections,
    DateTimeOffset At) : IFleetProtocol;

public sealed record RunningCampaign(string CampaignId, int Version, string Kid, DateTimeOffset ExpiresAt) : IFleetProtocol;

/// <summary>A manifest or asset the device refused: the version it kept instead stays in force.</summary>
public sealed record SyncRejection(string CampaignId, int Version, string Reason, string Message, DateTimeOffset At) : IFleetProtocol;
