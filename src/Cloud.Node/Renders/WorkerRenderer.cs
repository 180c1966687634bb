using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Commands;
using Fleet.Shared.Manifests;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Rendering;
using Fleet.Shared.Security;
using Fleet.Shared.Speech;

namespace Fleet.Cloud.Renders;

/// <summary>What one finished cloud render produced: the MP4 in the content store and how it was made.</summary>
public sealed record WorkerOutput(string Sha256, long Size, double RenderSeconds, string Encoder);

/// <summary>
/// The seam between a render worker and ffmpeg/espeak-ng: turns a job into an MP4 in the content store with the same
/// render engine as the edge. The campaign version comes from the campaign store (its signed manifest), its assets
/// from the content store the campaign was published into; the manifest is read and the template scaled to the job's
/// height and prepared once per (campaign version, height).
/// </summary>
public sealed class WorkerRenderer(ContentStore store, string workDir, FfmpegRunner runner, EspeakTts tts, Func<RenderJobSpec, CancellationToken, Task>? fault = null)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Lazy<Task<(Manifest Manifest, PreparedTemplate Prepared)>>> _prepared = new(StringComparer.Ordinal);
    private readonly RenderEngine _engine = new(runner, Path.Combine(workDir, "tmp"));

    public async Task<WorkerOutput> RenderAsync(RenderJobSpec spec, string encoder, IActorRef campaigns, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        if (fault is not null) await fault(spec, ct); // tests only: an injected fault (hang, throw)
        var (manifest, prepared) = await PrepareAsync(spec, campaigns, ct);
        if (spec.Base) return await StoreBaseAsync(prepared, clock, ct);
        var enc = EncoderSettings.For(encoder);
        var output = Path.Combine(workDir, "out", Guid.NewGuid().ToString("N") + ".mp4");
        try
        {
            // Speech and composite exactly as a device runs them; a fallback is not reported back (the job has no field for it).
            var request = new RenderRequest { Fields = spec.Fields, Encoder = enc == prepared.Encoder ? null : enc };
            var done = await SpeechAndComposite.RunAsync(request, Speaker(spec, manifest, prepared, ct),
                voiced => _engine.RenderAsync(prepared, voiced, output, ct), timings: null, ct);
            await using var file = File.OpenRead(output);
            var info = await store.PutAsync(file, ct);
            return new WorkerOutput(info.Sha256, info.Size, Math.Round(clock.Elapsed.TotalSeconds, 3), done.Composed.Encoder);
        }
        finally
        {
            if (File.Exists(output)) File.Delete(output);
        }
    }

    /// <summary>Speaks the job's voice line fitted to the template's slot; null when there is none to speak.</summary>
    private Func<Task<SpeechAndComposite.Voice>>? Speaker(RenderJobSpec spec, Manifest manifest, PreparedTemplate prepared, CancellationToken ct)
    {
        if (spec.VoiceLine is not { Length: > 0 } line || prepared.Template.Voice is not { } voice) return null;
        return async () =>
        {
            try
            {
                var clip = await tts.SynthesiseAsync(line, manifest.Voice, (double)voice.MaxFrames / prepared.Template.Fps, ct);
                return new SpeechAndComposite.Voice(clip.WavPath, clip.DurationSeconds);
            }
            catch (SpeechUnavailableException e) { return SpeechAndComposite.Voice.CaptionsOnly(e.Message); }
        };
    }

    /// <summary>Puts the prepared folder's files and a <see cref="BaseBundle"/> naming them into the content store.</summary>
    private async Task<WorkerOutput> StoreBaseAsync(PreparedTemplate prepared, Stopwatch clock, CancellationToken ct)
    {
        var names = new[] { prepared.NormalisedVideo, prepared.MusicWav, prepared.MusicAac }
            .Concat(prepared.Segments.Select(x => x.File))
            .Concat(prepared.Segments.Select(x => x.StillSkipFrames).OfType<string>())
            .Concat(prepared.Assets.Values)
            .Distinct(StringComparer.Ordinal);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            await using var file = File.OpenRead(prepared.PathOf(name));
            files[name] = (await store.PutAsync(file, ct)).Sha256;
        }
        var descriptor = await File.ReadAllTextAsync(prepared.PathOf(PreparedTemplate.DescriptorFile), ct);
        var bundle = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new BaseBundle(descriptor, files), Shared.Serialization.FleetJson.Options);
        var info = await store.PutAsync(new MemoryStream(bundle), ct);
        return new WorkerOutput(info.Sha256, info.Size, Math.Round(clock.Elapsed.TotalSeconds, 3), "base");
    }

    /// <summary>The signed manifest of a campaign version, as the campaign store serves it; throws when there is none.</summary>
    public static async Task<Manifest> ManifestOfAsync(string campaignId, int version, IActorRef campaigns, CancellationToken ct)
    {
        var reply = await campaigns.AskCommand<CampaignReplies.ManifestJson>(new CampaignCommands.GetManifest(campaignId, version), AskTimeout, ct);
        if (reply.Value is not { } m) throw new FleetException($"campaign {campaignId} has no version {version}");
        if (!SignedEnvelope.TryParse(System.Text.Encoding.UTF8.GetBytes(m.EnvelopeJson), out var envelope, out var error) || envelope!.TryDecodePayload() is not { } payload)
            throw new FleetException($"campaign {campaignId} v{version}: unreadable manifest: {error}");
        return ManifestRules.TryDecode(payload, out var why) ?? throw new FleetException($"campaign {campaignId} v{version}: {why}");
    }

    /// <summary>The template a manifest names, read from the content store; throws when it is not there.</summary>
    public static TemplateSpec TemplateOf(Manifest m, ContentStore store)
    {
        var templateAsset = m.Assets.FirstOrDefault(a => a.Sha256 == m.Template.Sha256)
                            ?? throw new FleetException($"manifest {m.CampaignId} v{m.Version} lists no template asset");
        if (!store.Has(templateAsset.Sha256)) throw new FleetException($"the template of {m.CampaignId} v{m.Version} is not in this node's content store");
        return TemplateLoader.Parse(File.ReadAllText(store.PathOf(templateAsset.Sha256)));
    }

    /// <summary>The campaign as the render engine wants it, every file straight from the content store.</summary>
    private LoadedCampaign Load(Manifest m, int height)
    {
        var templateAsset = m.Assets.First(a => a.Sha256 == m.Template.Sha256);
        foreach (var a in m.Assets)
            if (!store.Has(a.Sha256)) throw new FleetException($"asset {a.Name} ({a.Sha256[..12]}) of {m.CampaignId} v{m.Version} is not in this node's content store");
        var template = RenderVariants.Scale(TemplateOf(m, store), height);
        var spec = m.ToSpec(m.Assets.Where(a => a != templateAsset).Select(a => new AssetRef(a.Name, store.PathOf(a.Sha256))).ToList());
        var dir = Directory.CreateDirectory(Path.Combine(workDir, "campaigns", m.CampaignId, $"v{m.Version}-{height}p")).FullName;
        return new LoadedCampaign(dir, spec, template, m.Assets.ToDictionary(a => a.Name, a => store.PathOf(a.Sha256), StringComparer.Ordinal));
    }

    /// <summary>The version's manifest and its template prepared at the job's height; a failure is not remembered.</summary>
    private async Task<(Manifest Manifest, PreparedTemplate Prepared)> PrepareAsync(RenderJobSpec spec, IActorRef campaigns, CancellationToken ct)
    {
        var key = $"{spec.CampaignId}/v{spec.CampaignVersion}/{spec.Height}p";
        var lazy = _prepared.GetOrAdd(key, _ => new Lazy<Task<(Manifest, PreparedTemplate)>>(async () =>
        {
            var manifest = await ManifestOfAsync(spec.CampaignId, spec.CampaignVersion, campaigns, CancellationToken.None);
            var prepared = await new TemplatePreparer(runner).PrepareAsync(Load(manifest, spec.Height), Path.Combine(workDir, "prepared"), ct: CancellationToken.None);
            return (manifest, prepared);
        }));
        try { return await lazy.Value.WaitAsync(ct); }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            _prepared.TryRemove(new KeyValuePair<string, Lazy<Task<(Manifest, PreparedTemplate)>>>(key, lazy));
            throw;
        }
    }
}
