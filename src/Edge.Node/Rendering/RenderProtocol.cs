using Akka.Actor;
using Fleet.Shared.Campaigns;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Rendering;

/// <summary>Messages of the render coordinator (the edge <c>render</c> actor).</summary>
public static class RenderProtocol
{
    /// <summary>
    /// Render one ad of <paramref name="Campaign"/> for <paramref name="Context"/> into <paramref name="OutputPath"/>.
    /// <paramref name="PreviewHeadline"/>/<paramref name="PreviewCta"/> bypass the model (still through the safety filter).
    /// </summary>
    /// <param name="CampaignVersion">The synced manifest's version, or <see cref="LocalVersion"/> for a campaign folder.</param>
    /// <param name="Model">The personalisation model to use; null: the one the device ships with.</param>
    /// <param name="Expected">The assets to verify before use (a synced campaign's, from its signed manifest); null: none.</param>
    /// <param name="Mode"><c>cloud</c> delegates to a cloud render worker; <paramref name="Height"/> above the device's
    /// capability delegates too (see <see cref="Delegation"/>).</param>
    /// <param name="Holdout">The render falls in the campaign's holdout: it shows the static creative (the control group).</param>
    /// <param name="Bucket">The context bucket the bandit ranks copy in (null: derived from the context).</param>
    public sealed record RenderAd(LoadedCampaign Campaign, RenderContext Context, string OutputPath,
        string? PreviewHeadline = null, string? PreviewCta = null, bool UseCache = true, string CampaignVersion = RenderAd.LocalVersion,
        Personalisation.ModelInUse? Model = null, string Mode = Delegation.EdgeFirst, int? Height = null, IReadOnlyList<Store.ExpectedAsset>? Expected = null,
        bool Holdout = false, string? Bucket = null)
    {
        /// <summary>Version reported for a campaign rendered from a local folder rather than a synced manifest.</summary>
        public const string LocalVersion = "1.0.0";

        public string ModelId(RenderSettings settings) => Model?.Id ?? settings.ModelArtifact;

        public RenderArtifacts Artifacts(RenderSettings settings) => new(Campaign.Spec.Id, ModelId(settings), $"{Campaign.Spec.Id}@{CampaignVersion}");

        /// <summary>What the personalise stage caches a copy pool's variant embeddings under: campaign version, model and pool.</summary>
        public static string CopyKey(string campaignId, string campaignVersion, string? modelId, string pool) => $"{campaignId}@{campaignVersion}/{modelId}#{pool}";
    }

    /// <summary>
    /// Get a version's renders ready before the first is asked for (a synced version going into force): its assets verified,
    /// its template prepared, every copy pool embedded, and the fast path's ffmpeg steps started for each grade it allows.
    /// Nothing is rendered, counted or recorded. Answered with <see cref="VersionWarmed"/>.
    /// </summary>
    public sealed record WarmVersion(LoadedCampaign Campaign, string CampaignVersion = RenderAd.LocalVersion,
        Personalisation.ModelInUse? Model = null, IReadOnlyList<Store.ExpectedAsset>? Expected = null);

    /// <summary>How long getting ready took, and why it stopped short (null: ready); the version renders either way.</summary>
    public sealed record VersionWarmed(double Ms, string? Error);

    /// <summary>
    /// What one render produced and how: the copy, per-stage timings, every fallback with its reason, and the context's
    /// language when the campaign had no copy pool for it (<c>LocaleFallback</c>; information, not a fallback). A result with
    /// <see cref="Success"/> false still points at a playable ad unless <see cref="Error"/> says none could be made.
    /// </summary>
    public sealed record RenderOutcome(
        string Id, string CampaignId, string OutputPath, bool Success, string Headline, string Cta, string HeadlineId, string CtaId,
        IReadOnlyDictionary<string, string> Fields, IReadOnlyDictionary<string, double> StageMs, double TotalMs, bool CacheHit,
        string Encoder, string Path, IReadOnlyList<string> Fallbacks, IReadOnlyList<string> SafetyBlocks, double AudioSeconds,
        RenderArtifacts Artifacts, string? Error = null, string? LocaleFallback = null, string Grade = Fleet.Shared.Rendering.GradePresets.Neutral);

    /// <summary>Internal: a job asks to be the one that renders <paramref name="Key"/> (renders of one key are coalesced).</summary>
    internal sealed record Claim(string Key, IActorRef Job);

    internal sealed record Lead;

    internal sealed record Follow;

    /// <summary>Internal: the leader finished <paramref name="Key"/>; followers copy <paramref name="CachedPath"/> (null: render it yourselves).</summary>
    internal sealed record KeyDone(string Key, string? CachedPath);

    /// <summary>Internal: stop at once, the kill-switch covers this render.</summary>
    internal sealed record Killed(KillDirective Directive);
}
