using Fleet.Shared.KillSwitch;

namespace Fleet.Edge.KillSwitch;

/// <summary>Messages of the edge <c>policy</c> actor (local to the device).</summary>
public static class PolicyMessages
{
    /// <summary>
    /// May a render with these artifacts run? Answered with <see cref="Verdict"/> at once once this session has synced
    /// the cloud's policy; before that, after the sync or <paramref name="MaxSyncWait"/> (offline: the last enforced policy).
    /// </summary>
    public sealed record Check(RenderArtifacts Artifacts, TimeSpan MaxSyncWait = default);

    public sealed record Verdict(KillDirective? BlockedBy, long Epoch);

    /// <summary>Published on the event stream when a newer policy takes effect: renders of these artifacts must stop now.</summary>
    public sealed record KillEnforced(KillPolicy Policy, IReadOnlyList<KillDirective> NewlyActive);

    public sealed record GetPolicy
    {
        public static readonly GetPolicy Instance = new();
    }
}
