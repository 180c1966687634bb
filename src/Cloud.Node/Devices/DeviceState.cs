using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Commands;
using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Devices.DeviceCommands;

namespace Fleet.Cloud.Devices;

/// <summary>
/// One device's registry record and the pure rules that change it: commands in, (reply, events) out. The actor only
/// persists the events and applies them, so every rule here is testable without actors.
/// </summary>
public sealed record DeviceState(string DeviceId)
{
    /// <summary>Last-seen is live in memory; it is written to the journal at most this often.</summary>
    public static readonly TimeSpan SeenPersistInterval = TimeSpan.FromMinutes(1);

    public DeviceFacts? Facts { get; init; }
    public DateTimeOffset? RegisteredAt { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
    public DateTimeOffset? LastSeenPersisted { get; init; }
    public Connectivity Connectivity { get; init; } = Connectivity.Offline;
    public string? Address { get; init; }
    public PendingCode? Code { get; init; }
    public string? CertificateSerial { get; init; }
    /// <summary>
    /// The tags the operator enrolled the device with. Targeting and cohorts use these, never what a device says of
    /// itself: a registration's own tags are replaced by them. Null for a device enrolled before tags were kept, or
    /// a development device (--insecure-dev), whose tags are its own.
    /// </summary>
    public IReadOnlyDictionary<string, string>? EnrolledTags { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    /// <summary>When the fleet CA last renewed the device's certificate through its stream.</summary>
    public DateTimeOffset? CertificateRenewedAt { get; init; }
    /// <summary>The device's signed audit chain heads and any rewrite caught (see <see cref="AuditHeadBook"/>).</summary>
    public AuditHeadBook AuditHeads { get; init; } = AuditHeadBook.Empty;

    public bool IsRegistered => Facts is not null;
    /// <summary>Registered, enrolled, or holding a code: a record worth keeping (and listing for audit).</summary>
    public bool IsKnown => Facts is not null || CertificateSerial is not null || Code is not null || RevokedAt is not null;

    /// <summary>An unredeemed enrolment code (its SHA-256 only).</summary>
    public sealed record PendingCode(string Hash, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Tags);

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Handle(Register cmd, DateTimeOffset now)
    {
        if (RevokedAt is { } revoked)
            return (new DeviceReplies.Refused(DeviceId, $"device '{DeviceId}' was revoked at {revoked:u}"), Array.Empty<IFleetEvent>());
        if (Facts is { } known && known.InstallationId != cmd.Facts.InstallationId)
        {
            var reason = $"device id '{DeviceId}' is already registered by another installation (host {known.Hostname}); " +
                         "give this device its own --device-id";
            return (new DeviceReplies.Refused(DeviceId, reason),
                new IFleetEvent[] { new DeviceEvents.DuplicateRefused(cmd.Facts.InstallationId, cmd.Facts.Hostname, now) });
        }
        var facts = EnrolledTags is { } enrolled ? cmd.Facts with { Tags = enrolled } : cmd.Facts;
        IFleetEvent evt = Facts switch
        {
            null => new DeviceEvents.Registered(facts, now),
            var f when !f.SameFactsAs(facts) => new DeviceEvents.FactsChanged(facts, now),
            _ => new DeviceEvents.Seen(now),
        };
        return (new DeviceReplies.Registered(DeviceId, FirstTime: Facts is null, Tags: facts.Tags), new[] { evt });
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Handle(IssueEnrolmentCode cmd, DateTimeOffset now) =>
        RevokedAt is not null
            ? (Refused.Conflict($"device '{DeviceId}' is revoked"), Array.Empty<IFleetEvent>())
            : (new DeviceReplies.EnrolmentAccepted(DeviceId, cmd.Tags), new IFleetEvent[] { new DeviceEvents.EnrolmentCodeIssued(cmd.CodeHash, cmd.ExpiresAt, cmd.Tags, now) });

    /// <summary>
    /// Why a code would be refused now, or null when it would be accepted: a code works once, before it expires, only
    /// the latest one issued, and never for a revoked device. The check before signing and the redeem after it apply
    /// this same rule, so a code that passed the check can still lose a race to a second redeem of it, never more.
    /// </summary>
    public string? CodeRefusal(string codeHash, DateTimeOffset now) =>
        RevokedAt is not null ? $"device '{DeviceId}' is revoked"
        : Code is null || !SameHash(Code.Hash, codeHash) ? "enrolment code is unknown or already used"
        : now > Code.ExpiresAt ? $"enrolment code expired at {Code.ExpiresAt:u}"
        : null;

    /// <summary>A query: the answer the redeem would give now, with no events (a guess must leave no trace in the journal).</summary>
    public object Handle(CheckEnrolmentCode cmd, DateTimeOffset now) =>
        CodeRefusal(cmd.CodeHash, now) is { } refusal
            ? new Refused(RefusalCode.Forbidden, refusal)
            : new DeviceReplies.EnrolmentAccepted(DeviceId, Code!.Tags);

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Handle(RedeemEnrolmentCode cmd, DateTimeOffset now) =>
        CodeRefusal(cmd.CodeHash, now) is { } refusal
            ? (new Refused(RefusalCode.Forbidden, refusal), Array.Empty<IFleetEvent>())
            : (new DeviceReplies.EnrolmentAccepted(DeviceId, Code!.Tags),
                new IFleetEvent[] { new DeviceEvents.Enrolled(cmd.CertificateSerial, cmd.CertificateNotAfter, "code", now, Code!.Tags) });

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Handle(RecordEnrolment cmd, DateTimeOffset now) =>
        RevokedAt is not null
            ? (Refused.Conflict($"device '{DeviceId}' is revoked"), Array.Empty<IFleetEvent>())
            : (new DeviceReplies.EnrolmentAccepted(DeviceId, cmd.Tags ?? new Dictionary<string, string>()),
                new IFleetEvent[] { new DeviceEvents.Enrolled(cmd.CertificateSerial, cmd.CertificateNotAfter, "bundle", now, cmd.Tags ?? new Dictionary<string, string>()) });

    /// <summary>Revoking twice is harmless; revoking an id the registry never saw is an error for the operator.</summary>
    public (DeviceReplies.RevokeResult Reply, IReadOnlyList<IFleetEvent> Events) Handle(Revoke cmd, DateTimeOffset now) =>
        !IsKnown ? (new DeviceReplies.RevokeResult(DeviceId, false, null), Array.Empty<IFleetEvent>())
        : RevokedAt is { } at ? (new DeviceReplies.RevokeResult(DeviceId, true, at), Array.Empty<IFleetEvent>())
        : (new DeviceReplies.RevokeResult(DeviceId, true, now), new IFleetEvent[] { new DeviceEvents.Revoked(cmd.By, now) });

    /// <summary>
    /// Why the device may not have a new certificate now, or null: never once revoked, only after it registered on its
    /// stream, and at most one renewal per <paramref name="minInterval"/>.
    /// </summary>
    public string? RenewalRefusal(DateTimeOffset now, TimeSpan minInterval) =>
        RevokedAt is { } revoked ? $"device '{DeviceId}' was revoked at {revoked:u}"
        : !IsRegistered ? $"device '{DeviceId}' must register before it renews its certificate"
        : CertificateRenewedAt is { } last && now - last < minInterval
            ? $"rate limit: a certificate was issued at {last:u}; ask again after {last + minInterval:u}"
        : null;

    /// <summary>A heartbeat from the registered installation refreshes last-seen; a stale or foreign one is ignored.</summary>
    public IReadOnlyList<IFleetEvent> Handle(Heartbeat hb, DateTimeOffset now)
    {
        if (Facts?.InstallationId != hb.InstallationId || RevokedAt is not null) return Array.Empty<IFleetEvent>();
        return LastSeenPersisted is { } p && now - p < SeenPersistInterval
            ? Array.Empty<IFleetEvent>()
            : new IFleetEvent[] { new DeviceEvents.Seen(now) };
    }

    /// <summary>Registration is the source of truth for the address; membership news about an older address is stale.</summary>
    public DeviceState With(ConnectivityChanged change) =>
        change.Address == Address || Address is null
            ? this with { Connectivity = change.State, LastSeen = change.State == Connectivity.Up ? change.At : LastSeen }
            : this;

    /// <summary>What a registration or the cluster's current membership says about where the device is and whether it is reachable.</summary>
    public DeviceState AsMember(string address, Connectivity state) => this with { Address = address, Connectivity = state };

    public DeviceState Touch(DateTimeOffset now) => this with { LastSeen = now };

    public DeviceState Apply(IFleetEvent evt) => evt switch
    {
        DeviceEvents.Registered r => this with { Facts = r.Facts, RegisteredAt = r.At, LastSeen = r.At, LastSeenPersisted = r.At },
        DeviceEvents.FactsChanged f => this with { Facts = f.Facts, LastSeen = f.At, LastSeenPersisted = f.At },
        DeviceEvents.Seen s => this with { LastSeen = Max(LastSeen, s.At), LastSeenPersisted = s.At },
        DeviceEvents.DuplicateRefused => this,
        DeviceEvents.EnrolmentCodeIssued c => this with { Code = new PendingCode(c.CodeHash, c.ExpiresAt, c.Tags) },
        DeviceEvents.Enrolled e => this with { CertificateSerial = e.CertificateSerial, Code = e.Via == "code" ? null : Code, EnrolledTags = e.Tags ?? EnrolledTags },
        DeviceEvents.Revoked r => this with { RevokedAt = r.At, Code = null },
        DeviceEvents.CertificateRenewed c => this with { CertificateSerial = c.CertificateSerial, CertificateRenewedAt = c.At },
        DeviceEvents.AuditHeadKept or DeviceEvents.AuditRewriteCaught => this with { AuditHeads = AuditHeads.Apply(evt) },
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "not a device event"),
    };

    public DeviceSnapshot ToSnapshot() => new(Facts, RegisteredAt, LastSeen, LastSeenPersisted,
        Code is null ? null : new DeviceSnapshot.PendingCode(Code.Hash, Code.ExpiresAt, Code.Tags), CertificateSerial, EnrolledTags, RevokedAt,
        CertificateRenewedAt, AuditHeads.Heads, AuditHeads.Rewrites);

    public static DeviceState FromSnapshot(string deviceId, DeviceSnapshot s) => new(deviceId)
    {
        Facts = s.Facts, RegisteredAt = s.RegisteredAt, LastSeen = s.LastSeen, LastSeenPersisted = s.LastSeenPersisted,
        Code = s.Code is null ? null : new PendingCode(s.Code.Hash, s.Code.ExpiresAt, s.Code.Tags), CertificateSerial = s.CertificateSerial,
        EnrolledTags = s.EnrolledTags, RevokedAt = s.RevokedAt, CertificateRenewedAt = s.CertificateRenewedAt,
        AuditHeads = new AuditHeadBook { Heads = s.AuditHeads, Rewrites = s.AuditRewrites },
    };

    public DeviceReplies.DeviceView ToView() => new(DeviceId, Facts, RegisteredAt, LastSeen, Connectivity, Address, RevokedAt, CertificateSerial);

    /// <summary>Compared in constant time: how long a comparison takes says nothing about how close a guess came.</summary>
    private static bool SameHash(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
