using Akka.Hosting;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Security;

namespace Fleet.Cloud.Keys;

/// <summary>
/// Which trust version each device confirmed (from the sync reports its manifests actor sends after every table),
/// against the version the key ring is at: the answer to "did the rotation reach every device?".
/// </summary>
public static class TrustStatus
{
    /// <summary>One device's confirmed version; null when it has not reported since this control node took over.</summary>
    public sealed record DeviceTrust(string DeviceId, long? TrustVersion, DateTimeOffset? ReportedAt, bool Current, DateTimeOffset? LastSeen = null);

    public sealed record VersionCount(long? TrustVersion, int Devices);

    /// <param name="OldKeys">Keys a later key replaced that are still trusted, and what their retirement waits for.</param>
    public sealed record View(long TrustVersion, string ActiveKid, int Devices, int OnCurrent, IReadOnlyList<VersionCount> Versions,
        IReadOnlyList<DeviceTrust> Behind, IReadOnlyList<KeyRetirement.OldKey> OldKeys);

    public static async Task<View> ReadAsync(SigningKeyRing ring, IRequiredActor<CampaignStore> store, DeviceDirectory directory,
        KeyRetirement.Policy retirement, CancellationToken ct)
    {
        var (_, version) = ring.ExportTrust();
        var reports = (await CampaignEndpoints.Ask<CampaignReplies.SyncStatus>(store, new CampaignCommands.GetSyncStatus(null), ct)).Devices
            .ToDictionary(r => r.DeviceId, StringComparer.Ordinal);
        var devices = (await directory.ListAsync(ct)).Where(d => d.RevokedAt is null)
            .Select(d => reports.TryGetValue(d.DeviceId, out var r)
                ? new DeviceTrust(d.DeviceId, r.TrustVersion, r.At, r.TrustVersion >= version, d.LastSeen)
                : new DeviceTrust(d.DeviceId, null, null, false, d.LastSeen))
            .ToList();
        return new View(version, ring.ActiveKid, devices.Count, devices.Count(d => d.Current),
            devices.GroupBy(d => d.TrustVersion).OrderByDescending(g => g.Key ?? long.MinValue).Select(g => new VersionCount(g.Key, g.Count())).ToList(),
            devices.Where(d => !d.Current).ToList(), KeyRetirement.Plan(ring.Superseded(), devices, DateTimeOffset.UtcNow, retirement));
    }
}
