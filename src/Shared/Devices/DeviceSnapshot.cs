using Fleet.Shared.Serialization;

namespace Fleet.Shared.Devices;

/// <summary>
/// A device registry entity's record as stored in a snapshot (what its events built; connectivity is live and not
/// kept). Stored as versioned JSON under its <see cref="PersistedAsAttribute"/> name, like the events it replaces.
/// </summary>
[PersistedAs("device-snapshot.v1")]
public sealed record DeviceSnapshot(
    DeviceFacts? Facts,
    DateTimeOffset? RegisteredAt,
    DateTimeOffset? LastSeen,
    DateTimeOffset? LastSeenPersisted,
    DeviceSnapshot.PendingCode? Code,
    string? CertificateSerial,
    IReadOnlyDictionary<string, string>? EnrolledTags,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? CertificateRenewedAt,
    IReadOnlyList<DeviceReplies.KeptAuditHead> AuditHeads,
    IReadOnlyList<DeviceReplies.AuditRewrite> AuditRewrites) : IFleetEvent
{
    /// <summary>An unredeemed enrolment code: its SHA-256, expiry and the tags it enrols with.</summary>
    public sealed record PendingCode(string Hash, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Tags);
}
