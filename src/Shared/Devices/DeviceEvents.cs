using Fleet.Shared.Serialization;

namespace Fleet.Shared.Devices;

/// <summary>Persisted events of a device registry entity.</summary>
public static class DeviceEvents
{
    [PersistedAs("device-registered.v1")]
    public sealed record Registered(DeviceFacts Facts, DateTimeOffset At) : IFleetEvent;

    [PersistedAs("device-facts-changed.v1")]
    public sealed record FactsChanged(DeviceFacts Facts, DateTimeOffset At) : IFleetEvent;

    /// <summary>Written at most once a minute, so last-seen survives a restart without a write per heartbeat.</summary>
    [PersistedAs("device-seen.v1")]
    public sealed record Seen(DateTimeOffset At) : IFleetEvent;

    /// <summary>A registration from another installation with the same id; kept for audit.</summary>
    [PersistedAs("device-duplicate-refused.v1")]
    public sealed record DuplicateRefused(string InstallationId, string Hostname, DateTimeOffset At) : IFleetEvent;

    [PersistedAs("device-enrolment-code-issued.v1")]
    public sealed record EnrolmentCodeIssued(string CodeHash, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Tags, DateTimeOffset At) : IFleetEvent;

    /// <summary>A certificate was issued to this device (<c>code</c> or <c>bundle</c>); a code is used up by it.</summary>
    [PersistedAs("device-enrolled.v1")]
    /// <summary><see cref="Tags"/>: the device's tags as the operator enrolled it (absent in events written before tags were kept).</summary>
    public sealed record Enrolled(string CertificateSerial, DateTimeOffset CertificateNotAfter, string Via, DateTimeOffset At,
        IReadOnlyDictionary<string, string>? Tags = null) : IFleetEvent;

    /// <summary>The fleet CA issued the device a new certificate through its stream (renewal before expiry).</summary>
    [PersistedAs("device-certificate-renewed.v1")]
    public sealed record CertificateRenewed(string CertificateSerial, DateTimeOffset CertificateNotAfter, DateTimeOffset At) : IFleetEvent;
    /// <summary>A signed audit chain head the registry verified and kept.</summary>
    [PersistedAs("device-audit-head-kept.v1")]
    public sealed record AuditHeadKept(DeviceReplies.KeptAuditHead Head) : IFleetEvent;

    /// <summary>A correctly signed head that contradicts a kept one: the device's log was rewritten.</summary>
    [PersistedAs("device-audit-rewrite-caught.v1")]
    public sealed record AuditRewriteCaught(DeviceReplies.AuditRewrite Rewrite) : IFleetEvent;

    [PersistedAs("device-revoked.v1")]
    public sealed record Revoked(string By, DateTimeOffset At) : IFleetEvent;
}
