using Fleet.Shared.Serialization;

namespace Fleet.Shared.Devices;

/// <summary>Messages addressed to one device's entity in the cloud registry.</summary>
public interface IDeviceMessage : IFleetProtocol
{
    string DeviceId { get; }
}

/// <summary>Commands and queries the device registry entity accepts.</summary>
public static class DeviceCommands
{
    /// <summary>Sent by the device's link on every join; answered with <see cref="DeviceReplies.Registered"/> or <see cref="DeviceReplies.Refused"/>.</summary>
    /// <summary>
    /// <see cref="Proof"/> is required once remoting runs with mutual TLS: the device's certificate and its signature over
    /// this registration, so a certificate issued for one device can never register as another.
    /// </summary>
    public sealed record Register(DeviceFacts Facts, string Address, DeviceProof? Proof = null) : IDeviceMessage
    {
        public string DeviceId => Facts.DeviceId;
    }

    /// <summary>Periodic sign of life from the device's link.</summary>
    public sealed record Heartbeat(string DeviceId, string InstallationId) : IDeviceMessage;

    /// <summary>Membership change observed by a control node (not persisted: connectivity is live state).</summary>
    public sealed record ConnectivityChanged(string DeviceId, Connectivity State, string Address, DateTimeOffset At) : IDeviceMessage;

    public sealed record Get(string DeviceId) : IDeviceMessage;

    /// <summary>Operator asked for a one-time enrolment code; only its SHA-256 is kept.</summary>
    public sealed record IssueEnrolmentCode(string DeviceId, string CodeHash, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Tags) : IDeviceMessage;

    /// <summary>
    /// Would this code be accepted now? Asked before the fleet CA signs anything; answered with
    /// <see cref="DeviceReplies.EnrolmentAccepted"/> or <see cref="Commands.Refused"/> and never persisted.
    /// </summary>
    public sealed record CheckEnrolmentCode(string DeviceId, string CodeHash) : IDeviceMessage;

    /// <summary>A device presents a code: accepted once, before it expires, and recorded with the certificate issued for it.</summary>
    public sealed record RedeemEnrolmentCode(string DeviceId, string CodeHash, string CertificateSerial, DateTimeOffset CertificateNotAfter) : IDeviceMessage;

    /// <summary>Operator issued a bundle directly (certificate and key made by the cloud).</summary>
    public sealed record RecordEnrolment(string DeviceId, string CertificateSerial, DateTimeOffset CertificateNotAfter,
        IReadOnlyDictionary<string, string>? Tags = null) : IDeviceMessage;

    /// <summary>
    /// The device's signed audit chain head, stamped by its gateway connection with the certificate's device id;
    /// answered with <see cref="DeviceReplies.AuditHeadAnswer"/>.
    /// </summary>
    public sealed record SubmitAuditHead(string DeviceId, Audit.SignedAuditHead Head) : IDeviceMessage;

    /// <summary>The heads the registry kept for the device and any rewrite it caught; answered with <see cref="DeviceReplies.AuditHeads"/>.</summary>
    public sealed record GetAuditHeads(string DeviceId) : IDeviceMessage;

    /// <summary>Revoke the device: its certificate is refused from now on; its record stays for audit.</summary>
    public sealed record Revoke(string DeviceId, string By) : IDeviceMessage;

    /// <summary>
    /// A connected device asks for a new certificate over a fresh key (<see cref="CsrPem"/>, PKCS#10). The device id is
    /// the one its gateway read from the stream's client certificate. Answered with <see cref="DeviceReplies.CertificateIssued"/>
    /// or <see cref="DeviceReplies.CertificateRefused"/>.
    /// </summary>
    public sealed record RenewCertificate(string DeviceId, string CsrPem) : IDeviceMessage;
}

/// <summary>Answers of the device registry entity.</summary>
public static class DeviceReplies
{
    /// <summary>Accepted; <see cref="Credentials"/> carries the device's API token when the token store answered in time.</summary>
    /// <summary><see cref="Tags"/>: the tags the registry holds for the device (its enrolment record's), for the gateway to stamp telemetry with.</summary>
    public sealed record Registered(string DeviceId, bool FirstTime, Tokens.DeviceCredentials? Credentials = null,
        IReadOnlyDictionary<string, string>? Tags = null) : IFleetProtocol;

    public sealed record Refused(string DeviceId, string Reason) : IFleetProtocol;

    public sealed record EnrolmentAccepted(string DeviceId, IReadOnlyDictionary<string, string> Tags) : IFleetProtocol;

    /// <summary>Answer to <see cref="DeviceCommands.Revoke"/>; <see cref="Known"/> is false for an id the registry never saw.</summary>
    public sealed record RevokeResult(string DeviceId, bool Known, DateTimeOffset? RevokedAt) : IFleetProtocol;

    /// <summary>A renewed device certificate (PEM), for the device's stream.</summary>
    public sealed record CertificateIssued(string DeviceId, string CertificatePem) : IFleetProtocol;

    /// <summary>No certificate for this renewal request, and why (one line); the device asks again later.</summary>
    public sealed record CertificateRefused(string DeviceId, string Reason) : IFleetProtocol;
    /// <summary>The head was kept (<see cref="Accepted"/>, also for a repeat) or refused with <see cref="Reason"/>.</summary>
    public sealed record AuditHeadAnswer(string DeviceId, long Seq, string Hash, bool Accepted, string? Reason) : IFleetProtocol;

    /// <summary>One head the registry kept: what was signed, the signature and the key it verified with at upload.</summary>
    public sealed record KeptAuditHead(long Seq, string Hash, DateTimeOffset At, byte[] Signature, byte[] PublicKey, string CertificateSerial,
        DateTimeOffset ReceivedAt) : IFleetProtocol;

    /// <summary>A head that contradicted a kept one: the same count with another hash, or a count below one signed earlier.</summary>
    public sealed record AuditRewrite(long Seq, string OfferedHash, string? KeptHash, string Reason, DateTimeOffset At) : IFleetProtocol;

    /// <summary>The kept heads (oldest first, the newest <c>DeviceState.KeptAuditHeads</c>) and every rewrite caught.</summary>
    public sealed record AuditHeads(string DeviceId, IReadOnlyList<KeptAuditHead> Heads, IReadOnlyList<AuditRewrite> Rewrites) : IFleetProtocol;

    /// <summary>The registry's view of one device; <see cref="Facts"/> is null for an id that never registered.</summary>
    public sealed record DeviceView(
        string DeviceId,
        DeviceFacts? Facts,
        DateTimeOffset? RegisteredAt,
        DateTimeOffset? LastSeen,
        Connectivity Connectivity,
        string? Address,
        DateTimeOffset? RevokedAt = null,
        string? CertificateSerial = null) : IFleetProtocol;
}
