using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Personalisation;

/// <summary>The personalisation model a render uses: its artifact id and, unless it is the built-in one, its folder.</summary>
public sealed record ModelInUse(string Id, string? Directory);

/// <summary>Messages of the personalise actor. Requests are answered with a <see cref="CopyChoice"/>; outcomes are fire-and-forget.</summary>
public static class PersonaliseProtocol
{
    /// <summary>Marker for everything the personalise actor accepts.</summary>
    public interface IPersonaliseMessage;

    /// <summary>
    /// Choose copy for one ad. <paramref name="VersionKey"/> is the manifest hash (variant embeddings are cached by it);
    /// <paramref name="ModelDir"/> a model a rollout switched this device to (null: the model shipped with the device);
    /// <paramref name="Bucket"/> the render's context bucket the bandit ranks in (null: derived from the context);
    /// <paramref name="Grades"/> the grades the template allows (null: neutral only).
    /// </summary>
    public sealed record ChooseCopy(CampaignSpec Campaign, string VersionKey, RenderContext Context, string? ModelDir = null, string? Bucket = null,
        IReadOnlyList<string>? Grades = null) : IPersonaliseMessage;

    /// <summary>
    /// Embed a campaign version's copy pool ahead of its first render (cached under <paramref name="VersionKey"/>, as
    /// <see cref="ChooseCopy"/> would); answered with <see cref="CopyEmbedded"/>.
    /// </summary>
    public sealed record EmbedCopy(CampaignSpec Campaign, string VersionKey, string? ModelDir = null) : IPersonaliseMessage;

    /// <summary>The pool's embeddings are cached, or why not (<paramref name="Error"/>); its renders then compute them or use default copy.</summary>
    public sealed record CopyEmbedded(string? Error);

    /// <summary>Preview given copy (variant ids or draft text) without the model; answered with a <see cref="CopyChoice"/>.</summary>
    public sealed record PreviewCopy(CampaignSpec Campaign, string Headline, string Cta, RenderContext Context) : IPersonaliseMessage;

    /// <summary>The variant was shown. A user id, if given, is stored only as a salted hash.</summary>
    public sealed record RecordImpression(string CampaignId, string VariantId, string? UserId = null) : IPersonaliseMessage;

    /// <summary>The variant was clicked, tapped or scanned.</summary>
    public sealed record RecordClick(string CampaignId, string VariantId, string? UserId = null) : IPersonaliseMessage;

    /// <summary>Asks which execution provider is active; answered with <see cref="ProviderStatus"/>.</summary>
    public sealed record GetProvider : IPersonaliseMessage
    {
        public static readonly GetProvider Instance = new();
        private GetProvider() { }
    }

    /// <summary>The active provider (or <c>none</c> when the model cannot load) and why a preferred one was skipped.</summary>
    public sealed record ProviderStatus(string Provider, IReadOnlyList<string> Fallbacks, string? ModelError);
}
