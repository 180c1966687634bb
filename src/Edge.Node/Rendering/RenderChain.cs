using System.Collections.Immutable;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Rendering;

/// <summary>The stages a render job runs; <see cref="RenderChain.Next"/> says which comes next.</summary>
public enum RenderStage { Verify, Policy, Personalise, Delegate, Base, Prepare, Cache, SpeechAndComposite }

/// <summary>What a stage produced, as far as the chain's decisions need it (the data itself stays with the job).</summary>
public abstract record StageOutcome
{
    /// <summary>Nothing has run yet.</summary>
    public sealed record Started : StageOutcome;

    /// <summary>The stored assets checked; <paramref name="Unusable"/> names those that failed their sha256.</summary>
    public sealed record Verified(IReadOnlyList<string> Unusable) : StageOutcome;

    /// <summary>The kill-switch's verdict: a directive that blocks the render, or one that kills only the model.</summary>
    public sealed record PolicyChecked(string? BlockedBy = null, string? ModelKilledBy = null) : StageOutcome;

    /// <summary>The copy chosen, with its own fallbacks; whether the campaign lets renders go to the cloud, and whether
    /// its slot values may leave the device (none personal).</summary>
    public sealed record Personalised(IReadOnlyList<string> CopyFallbacks, bool CloudAllowed, bool Sendable) : StageOutcome;

    /// <summary>A cloud render worker made the ad (<paramref name="Ok"/>) or did not, and why.</summary>
    public sealed record Delegated(bool Ok, string Encoder, string? Reason = null) : StageOutcome;

    /// <summary>The cloud's base at the asked height, if <paramref name="Got"/>; <paramref name="Why"/> when the device uses its own.</summary>
    public sealed record BaseFetched(bool Got, string? Why = null) : StageOutcome;

    /// <summary>The device's own template is prepared.</summary>
    public sealed record Prepared : StageOutcome;

    /// <summary>The template could not be prepared (the error's first line).</summary>
    public sealed record PrepareFailed(string Reason) : StageOutcome;

    /// <summary>A finished render of the same key to copy (<paramref name="HitPath"/>), or null: render it.</summary>
    public sealed record CacheChecked(string? HitPath = null) : StageOutcome;

    /// <summary>The composite's reply (<see cref="CompositeProtocol"/>), the voice's length and the speech fallback, if any.</summary>
    public sealed record Composited(object Reply, double AudioSeconds = 0, RenderFallback? SpeechFallback = null) : StageOutcome;

    /// <summary>The kill-switch stopped the render while it ran.</summary>
    public sealed record Killed(string KillId) : StageOutcome;

    /// <summary>The render ran past its deadline.</summary>
    public sealed record TimedOut : StageOutcome;

    /// <summary>Anything else went wrong.</summary>
    public sealed record Crashed(string ExceptionType, string Reason) : StageOutcome;
}

/// <summary>What the render job does next.</summary>
public abstract record RenderStep
{
    /// <summary>Run <paramref name="Stage"/> and feed its outcome back.</summary>
    public sealed record Run(RenderStage Stage) : RenderStep;

    /// <summary>Show the campaign's static creative; <paramref name="RenderPath"/> is <c>static-creative</c> or <c>holdout</c>.</summary>
    public sealed record StaticCreative(string RenderPath) : RenderStep;

    /// <summary>No ad could be made.</summary>
    public sealed record Fail(string Error, double AudioSeconds = 0) : RenderStep;

    /// <summary>A cloud render worker wrote the ad; <paramref name="Encoder"/> says where and with what.</summary>
    public sealed record FromCloud(string Encoder) : RenderStep;

    /// <summary>Copy a finished render of the same key.</summary>
    public sealed record FromCache(string CachedPath) : RenderStep;

    /// <summary>Move the composite's output into place (and cache it unless it is the static creative).</summary>
    public sealed record Deliver(CompositeProtocol.Composed Composed, double AudioSeconds) : RenderStep;
}

/// <summary>
/// The render fallback chain as one pure function: given where a render stands and what its last stage produced, the next
/// step and every fallback reason on the way. Each stage degrades instead of failing the ad; <see cref="RenderRun"/> runs
/// the steps, and nothing here waits, reads a file or talks to an actor.
/// </summary>
public static class RenderChain
{
    /// <summary><see cref="RenderStep.StaticCreative.RenderPath"/> of a holdout render: the static creative, shown as the control group.</summary>
    public const string HoldoutPath = "holdout";

    public const string NoStaticCreative = "no ad could be written: the static creative failed verification; the device fetches it again";

    // The personalise stage's code for default copy that broke a rule (Copy.Fallbacks.DefaultCopyUnsafe).
    private const string DefaultCopyUnsafeCode = Personalisation.Copy.Fallbacks.Prefix + ":default-copy-unsafe";

    /// <summary>The request, as far as the chain's decisions need it.</summary>
    /// <param name="Verify">Stored assets are checked first (a synced campaign).</param>
    /// <param name="StaticCreative">The asset name of the campaign's static creative.</param>
    /// <param name="Preview">The headline is a preview's, not the model's.</param>
    /// <param name="Height">The asked height; <paramref name="LocalHeight"/> is the template's own.</param>
    /// <param name="Pressure">The device's resource pressure when the render was asked for (null: none).</param>
    public sealed record Facts(bool Verify, string StaticCreative, bool Holdout, bool Preview, string Mode, int Height, int LocalHeight,
        int MaxLocalHeight, string? Pressure, bool UseCache, TimeSpan Deadline);

    /// <summary>Where a render stands: its facts, what earlier stages settled, and every fallback so far in wire form, in order.</summary>
    public sealed record State(Facts Facts)
    {
        public IReadOnlyList<string> Unusable { get; init; } = [];
        public string? ModelKilledBy { get; init; }
        public bool CloudAllowed { get; init; }
        /// <summary>The render would show personal text, so it may not leave whole: the cloud makes only the base.</summary>
        public bool PersonalHybrid { get; init; }
        public ImmutableList<string> Fallbacks { get; init; } = [];

        internal State With(RenderFallback reason) => this with { Fallbacks = Fallbacks.Add(reason.ToString()) };
        internal State With(IEnumerable<string> reasons) => this with { Fallbacks = Fallbacks.AddRange(reasons) };
    }

    /// <summary>The state after a stage and the step to take.</summary>
    public sealed record Decision(State State, RenderStep Step);

    public static Decision Next(State s, StageOutcome outcome) => outcome switch
    {
        StageOutcome.Started => Run(s, s.Facts.Verify ? RenderStage.Verify : RenderStage.Policy),
        StageOutcome.Verified v => Run(s with { Unusable = v.Unusable }, RenderStage.Policy),
        StageOutcome.PolicyChecked p => AfterPolicy(s, p),
        StageOutcome.Personalised p => AfterPersonalise(s, p),
        // Not a fallback: the ad is what was asked for; the encoder says where it was made.
        StageOutcome.Delegated { Ok: true } d => new(s, new RenderStep.FromCloud(Delegation.CloudEncoder(d.Encoder))),
        StageOutcome.Delegated d => ToTemplate(s.With(RenderFallback.LocalRender(s.Facts.LocalHeight, d.Reason ?? "failed"))),
        StageOutcome.BaseFetched b => AfterBase(b.Why is null ? s : s.With(RenderFallback.LocalRender(s.Facts.LocalHeight, b.Why)), b.Got),
        StageOutcome.Prepared => Run(s, s.Facts.UseCache ? RenderStage.Cache : RenderStage.SpeechAndComposite),
        StageOutcome.PrepareFailed f => StaticCreative(s, RenderFallback.PrepareFailed(f.Reason)),
        StageOutcome.CacheChecked { HitPath: { } hit } => new(s, new RenderStep.FromCache(hit)),
        StageOutcome.CacheChecked => Run(s, RenderStage.SpeechAndComposite),
        StageOutcome.Composited c => AfterComposite(s, c),
        StageOutcome.Killed k => StaticCreative(s, RenderFallback.KilledInFlight(k.KillId)),
        StageOutcome.TimedOut => StaticCreative(s, RenderFallback.OverDeadline(s.Facts.Deadline)),
        StageOutcome.Crashed c => StaticCreative(s, RenderFallback.Crashed(c.ExceptionType, c.Reason)),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "no rule for this stage outcome"),
    };

    // The kill-switch first; then a quarantined asset; then the holdout arm, which shows the static creative by design.
    private static Decision AfterPolicy(State s, StageOutcome.PolicyChecked p)
    {
        if (p.BlockedBy is { } kill) return StaticCreative(s, RenderFallback.Killed(kill));
        if (s.Unusable.Any(n => n != s.Facts.StaticCreative)) return StaticCreative(s, RenderFallback.AssetQuarantined);
        if (s.Facts.Holdout) return StaticCreative(s, null, HoldoutPath);
        return Run(s with { ModelKilledBy = p.ModelKilledBy }, RenderStage.Personalise);
    }

    // Unsafe default copy shows no copy at all. Then delegation: a variant taller than this device renders (or mode cloud, or
    // resource pressure) goes to a cloud render worker, unless the campaign forbids it or the render would show personal text.
    private static Decision AfterPersonalise(State s, StageOutcome.Personalised p)
    {
        if (s.ModelKilledBy is { } kill) s = s.With(RenderFallback.ModelKilled(kill));
        s = s.With(p.CopyFallbacks) with { CloudAllowed = p.CloudAllowed };
        if (p.CopyFallbacks.Any(f => f.StartsWith(DefaultCopyUnsafeCode, StringComparison.Ordinal)))
            return StaticCreative(s, RenderFallback.DefaultCopyUnsafe);
        if (s.Facts.Preview && p.CopyFallbacks.Any(f => f.Contains("preview-unsafe", StringComparison.Ordinal)))
            s = s.With(RenderFallback.PreviewReplaced);
        var f = s.Facts;
        if (Delegation.Reason(f.Mode, f.Height, f.MaxLocalHeight, f.Pressure) is not null)
        {
            if (!p.CloudAllowed) s = s.With(RenderFallback.LocalRender(f.LocalHeight, "not-allowed"));
            else if (!p.Sendable) s = s with { PersonalHybrid = true };
            else return Run(s, RenderStage.Delegate);
        }
        return ToTemplate(s);
    }

    // The template: hybrid draws on the base the cloud made at the asked height; otherwise this device's own.
    private static Decision ToTemplate(State s)
    {
        var hybrid = s.Facts.Mode == Delegation.Hybrid;
        if (hybrid && !s.CloudAllowed) return Run(s.With(RenderFallback.LocalRender(s.Facts.LocalHeight, "not-allowed")), RenderStage.Prepare);
        return Run(s, hybrid || s.PersonalHybrid ? RenderStage.Base : RenderStage.Prepare);
    }

    private static Decision AfterBase(State s, bool got) =>
        got ? Next(s, new StageOutcome.Prepared()) : Run(s, RenderStage.Prepare);

    private static Decision AfterComposite(State s, StageOutcome.Composited c)
    {
        if (c.SpeechFallback is { } speech) s = s.With(speech);
        return c.Reply switch
        {
            CompositeProtocol.Composed done => new(s.With(done.Fallbacks), new RenderStep.Deliver(done, c.AudioSeconds)),
            CompositeProtocol.CompositionFailed failed => new(s.With(failed.Fallbacks), new RenderStep.Fail($"no ad could be rendered: {failed.Reason}", c.AudioSeconds)),
            _ => StaticCreative(s, RenderFallback.UnexpectedReply),
        };
    }

    // A fallback names its reason; the holdout arm (null) shows the static creative by design, not as a fallback.
    private static Decision StaticCreative(State s, RenderFallback? reason, string renderPath = EncoderChain.StaticCreative)
    {
        if (reason is not null) s = s.With(reason);
        return new(s, s.Unusable.Contains(s.Facts.StaticCreative) ? new RenderStep.Fail(NoStaticCreative) : new RenderStep.StaticCreative(renderPath));
    }

    private static Decision Run(State s, RenderStage stage) => new(s, new RenderStep.Run(stage));
}
