using System.Collections.Concurrent;
using System.Globalization;
using Akka.Actor;
using Fleet.Cloud.Renders;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Rendering;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Campaigns;

/// <summary>
/// A still of one copy variant as a screen would show it, for the person reviewing it: the version rendered at 360p with
/// the same engine and code path as a cloud render worker (<see cref="WorkerRenderer"/>), the variant in its slot and the
/// campaign's defaults elsewhere, then the frame in the middle of the first layer that draws the slot, taken by ffmpeg
/// as a JPEG into the content store. The clip and the frame are made once per variant and kept; a failure is not remembered.
/// </summary>
public sealed class ReviewFrames(ContentStore store, CloudPaths paths)
{
    public const int Height = 360;
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _frames = new(StringComparer.Ordinal);
    private readonly FfmpegRunner _ffmpeg = new(null, TimeSpan.FromMinutes(2));
    // Its own work folder: the node's render worker prepares templates under render-worker/ at the same time.
    private readonly Lazy<WorkerRenderer> _renderer = new(() => new WorkerRenderer(store, Path.Combine(paths.DataDir, "review-frames"),
        new FfmpegRunner(null, TimeSpan.FromMinutes(5)), new Fleet.Shared.Speech.EspeakTts(null, Path.Combine(paths.DataDir, "review-frames", "speech"))));

    /// <summary>The content-store sha256 of the variant rendered into the version's template (MP4, the cloud render of that copy).</summary>
    public Task<string> ClipAsync(string campaignId, int version, VariantReview variant, IActorRef campaigns, CancellationToken ct) =>
        Once($"{campaignId}/v{version}/{variant.Id}/clip", () => RenderAsync(campaignId, version, variant, campaigns), ct);

    /// <summary>The content-store sha256 of the variant's frame (JPEG) taken from its clip.</summary>
    public Task<string> FrameAsync(string campaignId, int version, VariantReview variant, IActorRef campaigns, CancellationToken ct) =>
        Once($"{campaignId}/v{version}/{variant.Id}/frame", async () =>
            await ExtractAsync(campaignId, version, variant, campaigns, await ClipAsync(campaignId, version, variant, campaigns, CancellationToken.None)), ct);

    private async Task<string> Once(string key, Func<Task<string>> make, CancellationToken ct)
    {
        var lazy = _frames.GetOrAdd(key, _ => new Lazy<Task<string>>(make));
        try { return await lazy.Value.WaitAsync(ct); }
        catch when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            _frames.TryRemove(KeyValuePair.Create(key, lazy));
            throw;
        }
    }

    private async Task<string> RenderAsync(string campaignId, int version, VariantReview variant, IActorRef campaigns)
    {
        var manifest = await WorkerRenderer.ManifestOfAsync(campaignId, version, campaigns, CancellationToken.None);
        var (text, _) = SlotFiller.Fill(variant.Text, manifest.FieldDefaults); // as a device without local fields shows it
        var video = await _renderer.Value.RenderAsync(new RenderJobSpec(campaignId, version, Height, new Dictionary<string, string> { [variant.Kind] = text }, null),
            "libx264", campaigns, CancellationToken.None);
        return video.Sha256;
    }

    private async Task<string> ExtractAsync(string campaignId, int version, VariantReview variant, IActorRef campaigns, string clip)
    {
        var manifest = await WorkerRenderer.ManifestOfAsync(campaignId, version, campaigns, CancellationToken.None);
        var template = RenderVariants.Scale(WorkerRenderer.TemplateOf(manifest, store), Height);
        var slot = "{{" + variant.Kind + "}}";
        var layer = template.Layers.FirstOrDefault(l => l.Type == LayerType.Text && l.Text?.Contains(slot, StringComparison.Ordinal) == true);
        var frame = layer is null ? template.DurationFrames / 2 : (layer.StartFrame + layer.EndFrame) / 2;
        var jpeg = Path.Combine(Directory.CreateDirectory(Path.Combine(paths.DataDir, "review-frames")).FullName, Guid.NewGuid().ToString("N") + ".jpg");
        try
        {
            await _ffmpeg.RunAsync(["-ss", ((double)frame / template.Fps).ToString("0.###", CultureInfo.InvariantCulture), "-i", store.PathOf(clip),
                "-frames:v", "1", "-q:v", "4", jpeg]);
            await using var file = File.OpenRead(jpeg);
            return (await store.PutAsync(file, CancellationToken.None)).Sha256;
        }
        finally
        {
            if (File.Exists(jpeg)) File.Delete(jpeg);
        }
    }
}
