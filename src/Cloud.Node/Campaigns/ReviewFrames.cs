using System.Collections.Concurrent;
using System.Globalization;
using Akka.Actor;
using Fleet.Cloud.Renders;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Renders;
using Fleet.Shared.Rendering;
using static Fleet.Shared.Distribution.CampaignReplies;

namespace Fleet.Cloud.Campaigns;

/// <summary>
/// A still of one copy variant as a screen would show it, for the person reviewing it: the version rendered at 360p with
/// the same engine and code path as a cloud render worker (<see cref="WorkerRenderer"/>), the variant in its slot and the
/// campaign's defaults elsewhere, then the frame in the middle of the first layer that draws the slot, taken by ffmpeg
/// as a JPEG into the content store. Made once per variant and kept; a failure is not remembered.
/// </summary>
public sealed class ReviewFrames(ContentStore store, CloudPaths paths)
{
    public const int Height = 360;
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _frames = new(StringComparer.Ordinal);
    private readonly FfmpegRunner _ffmpeg = new(null, TimeSpan.FromMinutes(2));
    // Its own work folder: the node's render worker prepares templates under render-worker/ at the same time.
    private readonly Lazy<WorkerRenderer> _renderer = new(() => new WorkerRenderer(store, Path.Combine(paths.DataDir, "review-frames"),
        new FfmpegRunner(null, TimeSpan.FromMinutes(5)), new Fleet.Shared.Speech.EspeakTts(null, Path.Combine(paths.DataDir, "review-frames", "speech"))));

    /// <summary>The content-store sha256 of the variant's frame (JPEG).</summary>
    public async Task<string> FrameAsync(string campaignId, int version, VariantReview variant, IActorRef campaigns, CancellationToken ct)
    {
        var key = $"{campaignId}/v{version}/{variant.Id}";
        var lazy = _frames.GetOrAdd(key, _ => new Lazy<Task<string>>(() => DrawAsync(campaignId, version, variant, campaigns)));
        try { return await lazy.Value.WaitAsync(ct); }
        catch when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            _frames.TryRemove(KeyValuePair.Create(key, lazy));
            throw;
        }
    }

    private async Task<string> DrawAsync(string campaignId, int version, VariantReview variant, IActorRef campaigns)
    {
        var manifest = await WorkerRenderer.ManifestOfAsync(campaignId, version, campaigns, CancellationToken.None);
        var template = RenderVariants.Scale(WorkerRenderer.TemplateOf(manifest, store), Height);
        var slot = "{{" + variant.Kind + "}}";
        var layer = template.Layers.FirstOrDefault(l => l.Type == LayerType.Text && l.Text?.Contains(slot, StringComparison.Ordinal) == true);
        var frame = layer is null ? template.DurationFrames / 2 : (layer.StartFrame + layer.EndFrame) / 2;
        var (text, _) = SlotFiller.Fill(variant.Text, manifest.FieldDefaults); // as a device without local fields shows it
        var video = await _renderer.Value.RenderAsync(new RenderJobSpec(campaignId, version, Height, new Dictionary<string, string> { [variant.Kind] = text }, null),
            "libx264", campaigns, CancellationToken.None);
        var jpeg = Path.Combine(Directory.CreateDirectory(Path.Combine(paths.DataDir, "review-frames")).FullName, Guid.NewGuid().ToString("N") + ".jpg");
        try
        {
            await _ffmpeg.RunAsync(["-ss", ((double)frame / template.Fps).ToString("0.###", CultureInfo.InvariantCulture), "-i", store.PathOf(video.Sha256),
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
