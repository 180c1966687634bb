using Fleet.Shared.KillSwitch;

namespace Fleet.Edge.KillSwitch;

/// <summary>Messages of the edge <c>policy</c> actor (local to the device).</summary>
public static class PolicyMessages
{
    /// <summary>May a render with these artifacts run? Answered with <see cref="Verdict"/>.</summary>
    public sealed record Check(RenderArtifacts Artifacts);

    public sealed record Verdict(KillDirective? BlockedBy, long Epoch);

    /// <summary>Answered with <see cref="Synced"/> once this session has the cloud's current policy, or after the wait (offline).</summary>
    public sealed record AwaitSync(TimeSpan MaxWait);

    public sealed record Synced(long Epoch, bool FromCloud);

    /// <summary>Published on the event stream when a newer policy takes effect: renders of these artifacts must stop now.</summary>
    public sealed record KillEnforced(KillPolicy Policy, IReadOnlyList<KillDirective> NewlyActive);

    public sealed record GetPolicy
    {
        public static readonly GetPolicy Instance = new();
    }
}
