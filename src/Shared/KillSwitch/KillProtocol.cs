using Fleet.Shared.Serialization;

namespace Fleet.Shared.KillSwitch;

/// <summary>One kill: its scope, why, who, and the epoch at which it took effect.</summary>
public sealed record KillDirective(string Id, long Epoch, KillScope Scope, string Reason, string IssuedBy, DateTimeOffset IssuedAt) : IFleetProtocol;

/// <summary>
/// The whole kill state of the fleet at one epoch: every active directive. Devices apply a policy only if its epoch is
/// higher than the one they hold, so a late or replayed broadcast can never resurrect a released artifact or undo a kill.
/// </summary>
public sealed record KillPolicy(long Epoch, IReadOnlyList<KillDirective> Active, DateTimeOffset IssuedAt) : IFleetProtocol
{
    public static readonly KillPolicy Initial = new(0, Array.Empty<KillDirective>(), DateTimeOffset.MinValue);

    /// <summary>The first active directive that stops a render of these artifacts, if any.</summary>
    public KillDirective? Blocking(RenderArtifacts artifacts) => Active.FirstOrDefault(d => d.Scope.Covers(artifacts));
}

/// <summary>
/// A policy as broadcast: the signed envelope JSON of the policy bytes (see <see cref="Security.SignedEnvelope"/>) and
/// the fleet's public trust set. <see cref="TrustUpdateJson"/> is that set signed by the fleet CA (a
/// <see cref="Security.SignedTrustUpdate"/>): an enrolled device adopts only that; a device without the CA
/// (--insecure-dev) pins the bare set the first time it hears from the cloud.
/// </summary>
/// <see cref="TraceParent"/>: the W3C trace context of the change that made this epoch (tracing only; never signed, never trusted).
public sealed record SignedKillPolicy(string EnvelopeJson, long Epoch, string TrustSetJson, string? TrustUpdateJson = null, string? TraceParent = null) : IFleetProtocol;

/// <summary>Messages to and from the kill-switch authority (a cluster singleton on <c>control</c>).</summary>
public static class KillCommands
{
    /// <param name="TraceParent">The W3C trace context of the API request, so the engage joins its trace (tracing only).</param>
    public sealed record Engage(KillScope Scope, string Reason, string IssuedBy, string? TraceParent = null) : IFleetProtocol;

    public sealed record Release(string Id, string Reason, string IssuedBy) : IFleetProtocol;

    /// <summary>A device asks for the current policy (on every join, before its first render).</summary>
    public sealed record Sync(string DeviceId) : IFleetProtocol;

    /// <summary>A device confirms it enforces everything up to <see cref="Epoch"/>.</summary>
    /// <param name="TraceParent">The device's enforcement span, as a W3C trace context (tracing only: a parent link, nothing more).</param>
    public sealed record Ack(string DeviceId, long Epoch, DateTimeOffset EnforcedAt, string? TraceParent = null) : IFleetProtocol;

    public sealed record GetState : IFleetProtocol
    {
        public static readonly GetState Instance = new();
    }

    /// <summary>Reply to Engage/Release: the directive concerned and the new epoch, or an error.</summary>
    public sealed record Result(KillDirective? Directive, long Epoch, string? Error) : IFleetProtocol;

    /// <summary>Everything the API needs for <c>kill list</c> and <c>kill status</c>.</summary>
    public sealed record State(long Epoch, IReadOnlyList<KillRecord> Kills, IReadOnlyDictionary<string, DeviceAck> Acks) : IFleetProtocol;
}

/// <summary>A directive with its release, if any.</summary>
public sealed record KillRecord(KillDirective Directive, DateTimeOffset? ReleasedAt, string? ReleasedBy, string? ReleaseReason, long? ReleaseEpoch) : IFleetProtocol;

/// <summary>The highest epoch a device confirmed, and when the cloud received that confirmation.</summary>
public sealed record DeviceAck(long Epoch, DateTimeOffset ReceivedAt) : IFleetProtocol;

/// <summary>Names shared by both sides of the kill-switch.</summary>
public static class KillSwitchTopics
{
    public const string Policy = "kill-switch";
}

/// <summary>Registry key for the kill-switch authority singleton (or its proxy).</summary>
public sealed class KillSwitchAuthorityKey;
