using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Rendering;

/// <summary>
/// Imports a template once so that renders never cut: normalises the hero to the template's size and fps with fixed closed
/// GOPs, pre-cuts the untouched ranges and the personalised sources, and records the encoder settings it used.
/// </summary>
public sealed class TemplatePreparer(FfmpegRunner runner)
{
    /// <summary>Prepares <paramref name="campaign"/>'s template under <paramref name="cacheRoot"/>, or returns the existing preparation.</summary>
    public async Task<PreparedTemplate> PrepareAsync(LoadedCampaign campaign, string cacheRoot, EncoderSettings? encoder = null, CancellationToken ct = default)
    {
        var t = campaign.Template;
        var enc = encoder ?? EncoderSettings.Default;
        if (!enc.IsSoftware) throw new FleetException("templates are prepared with libx264 so every device can extend them");
        var heroSha = CampaignLoader.Sha256Of(campaign.BaseVideoPath);
        var folder = Path.Combine(Path.GetFullPath(cacheRoot), $"{heroSha}-{SettingsKey(t, enc, campaign)}");
        if (TryLoad(folder) is { } existing) return existing;

        Directory.CreateDirectory(cacheRoot);
        var work = folder + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(work);
        try
        {
            var duration = Seconds(t.DurationFrames, t.Fps);
            await NormaliseAsync(campaign.BaseVideoPath, Path.Combine(work, "normalised.mp4"), t, enc, ct).ConfigureAwait(false);
            await WriteMusicAsync(campaign.MusicPath, Path.Combine(work, "music.wav"), duration, ct).ConfigureAwait(false);
            var splice = await EncodeMusicAsync(work, t, ct).ConfigureAwait(false);
            var segments = await CutAsync(work, t, enc, ct).ConfigureAwait(false);
            var assets = CopyLayerAssets(campaign, work);

            var prepared = new PreparedTemplate
            {
                HeroSha256 = heroSha, Template = t, Encoder = enc, NormalisedVideo = "normalised.mp4", MusicWav = "music.wav",
                MusicAac = MusicAac, VoiceSplice = splice,
                Segments = segments, Assets = assets,
            };
            await File.WriteAllTextAsync(Path.Combine(work, PreparedTemplate.DescriptorFile), JsonSerializer.Serialize(prepared, FleetJson.Indented), ct).ConfigureAwait(false);
            try { Directory.Move(work, folder); }
            catch (IOException) when (Directory.Exists(folder)) { Directory.Delete(work, recursive: true); } // a concurrent import won
            return TryLoad(folder) ?? throw new FleetException($"prepared template at {folder} is unreadable");
        }
        catch
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            throw;
        }
    }

    /// <summary>Reads a prepared folder's descriptor; null when the folder is absent or incomplete.</summary>
    public static PreparedTemplate? TryLoad(string folder)
    {
        var descriptor = Path.Combine(folder, PreparedTemplate.DescriptorFile);
        if (!File.Exists(descriptor)) return null;
        var p = JsonSerializer.Deserialize<PreparedTemplate>(File.ReadAllText(descriptor), FleetJson.Options);
        return p is { Version: PreparedTemplate.FormatVersion } ? p with { Directory = folder } : null;
    }

    private Task NormaliseAsync(string hero, string output, TemplateSpec t, EncoderSettings enc, CancellationToken ct)
    {
        var w = t.Width; var h = t.Height;
        // Scale into the canvas, pad, force the template's fps, and hold the last frame if the hero is too short.
        var vf = $"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={t.Fps}," +
                 $"tpad=stop_mode=clone:stop_duration={Seconds(t.DurationFrames, t.Fps)},{enc.FilterSuffix}";
        var args = new List<string> { "-i", hero, "-an", "-sn", "-dn", "-vf", vf, "-frames:v", Int(t.DurationFrames) };
        args.AddRange(enc.VideoArgs(t.Fps));
        args.AddRange(new[] { "-movflags", "+faststart", output });
        return runner.RunAsync(args, ct);
    }

    private Task WriteMusicAsync(string? music, string output, string duration, CancellationToken ct)
    {
        var args = music is null
            ? new List<string> { "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo" }
            : new List<string> { "-i", music, "-vn", "-af", "apad" };
        args.AddRange(new[] { "-ar", "48000", "-ac", "2", "-t", duration, "-c:a", "pcm_s16le", output });
        return runner.RunAsync(args, ct);
    }

    private const string MusicAac = "music.aac";

    // The bed alone, mixed exactly as a render without a voice mixes it, encoded once; its frames before the voice slot
    // start every voiced render's track (see AudioSplice).
    private async Task<AudioSplice?> EncodeMusicAsync(string work, TemplateSpec t, CancellationToken ct)
    {
        var graph = new StringBuilder();
        FilterGraph.AudioMix(graph, t, musicInput: 0, voiceInput: null);
        var args = new List<string> { "-i", Path.Combine(work, "music.wav"), "-filter_complex", graph.ToString(), "-map", "[aout]" };
        args.AddRange(FilterGraph.AudioArgs);
        args.AddRange(new[] { "-f", "adts", Path.Combine(work, MusicAac) });
        await runner.RunAsync(args, ct).ConfigureAwait(false);
        return t.Voice is null ? null : AudioSplice.Before(FilterGraph.VoiceStartSample(t));
    }

    private async Task<IReadOnlyList<PreparedSegment>> CutAsync(string work, TemplateSpec t, EncoderSettings enc, CancellationToken ct)
    {
        var bounds = Boundaries(t);
        var args = new List<string> { "-i", Path.Combine(work, "normalised.mp4"), "-map", "0:v", "-c", "copy" };
        if (bounds.Count > 2)
        {
            var times = string.Join(',', bounds.Skip(1).SkipLast(1).Select(f => Seconds(f, t.Fps)));
            args.AddRange(new[] { "-f", "segment", "-segment_times", times, "-reset_timestamps", "1", "-segment_format", "mp4" });
        }
        args.Add(Path.Combine(work, bounds.Count > 2 ? "seg%03d.mp4" : "seg000.mp4"));
        await runner.RunAsync(args, ct).ConfigureAwait(false);

        var segments = new List<PreparedSegment>();
        for (var i = 0; i + 1 < bounds.Count; i++)
        {
            var mp4 = Path.Combine(work, $"seg{i:000}.mp4");
            var (start, end) = (bounds[i], bounds[i + 1]);
            var personalised = t.Personalised.Any(r => r.StartFrame == start);
            var frames = await CountFramesAsync(mp4, stillOnly: false, ct).ConfigureAwait(false);
            if (frames != end - start)
                throw new FleetException($"template cut at frame {start} gave {frames} frames instead of {end - start}; is the hero shorter than the template?");
            if (!personalised)
            {
                // Annex B carries its parameter sets in-band, so untouched cuts and freshly encoded ranges concatenate as one stream.
                var raw = $"seg{i:000}.h264";
                await runner.RunAsync(new[] { "-i", mp4, "-map", "0:v", "-c", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264", Path.Combine(work, raw) }, ct).ConfigureAwait(false);
                File.Delete(mp4);
                segments.Add(new PreparedSegment { StartFrame = start, EndFrame = end, Personalised = false, File = raw });
                continue;
            }
            string? skip = null;
            if ((end - start) % t.Fps == 0 && await CountFramesAsync(mp4, stillOnly: true, ct).ConfigureAwait(false) == 1)
                skip = await StillSkipFramesAsync(work, i, t.Fps, enc, ct).ConfigureAwait(false);
            segments.Add(new PreparedSegment { StartFrame = start, EndFrame = end, Personalised = true, File = Path.GetFileName(mp4), StillSkipFrames = skip });
        }
        return segments;
    }

    // Keeps the P-frames of the plate's first GOP only if they are provably pure copies: spliced after a keyframe of
    // noise (same source, same encoder settings) every decoded frame must equal that keyframe, and the parameter sets
    // must match byte for byte. Otherwise the range is simply encoded in full at render time.
    private async Task<string?> StillSkipFramesAsync(string work, int index, int fps, EncoderSettings enc, CancellationToken ct)
    {
        var mp4 = Path.Combine(work, $"seg{index:000}.mp4");
        var gopFile = Path.Combine(work, $"gop{index:000}.tmp.h264");
        var probeFile = Path.Combine(work, $"probe{index:000}.tmp.h264");
        var spliced = Path.Combine(work, $"splice{index:000}.tmp.h264");
        try
        {
            await runner.RunAsync(new[] { "-i", mp4, "-map", "0:v", "-c", "copy", "-frames:v", Int(fps), "-bsf:v", "h264_mp4toannexb", "-f", "h264", gopFile }, ct).ConfigureAwait(false);
            var probeArgs = new List<string> { "-i", mp4, "-map", "0:v", "-frames:v", "1", "-vf", $"noise=alls=80:allf=u,{enc.FilterSuffix}" };
            probeArgs.AddRange(enc.VideoArgs(fps));
            probeArgs.AddRange(new[] { "-f", "h264", probeFile });
            await runner.RunAsync(probeArgs, ct).ConfigureAwait(false);

            var gop = await File.ReadAllBytesAsync(gopFile, ct).ConfigureAwait(false);
            var probe = await File.ReadAllBytesAsync(probeFile, ct).ConfigureAwait(false);
            var skip = AnnexB.AfterFirstIdr(gop);
            if (skip.Length == 0 || !AnnexB.ParameterSets(gop).AsSpan().SequenceEqual(AnnexB.ParameterSets(probe))) return null;
            await File.WriteAllBytesAsync(spliced, probe.Concat(skip).ToArray(), ct).ConfigureAwait(false);
            var hashes = await runner.RunAsync(new[] { "-f", "h264", "-i", spliced, "-map", "0:v", "-f", "framemd5", "-" }, ct, captureStdout: true).ConfigureAwait(false);
            var lines = hashes.Stdout.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l[(l.LastIndexOf(',') + 1)..].Trim()).ToList();
            if (lines.Count != fps || lines.Distinct().Count() != 1) return null;
            var name = $"seg{index:000}.skip.h264";
            await File.WriteAllBytesAsync(Path.Combine(work, name), skip, ct).ConfigureAwait(false);
            return name;
        }
        finally
        {
            foreach (var f in new[] { gopFile, probeFile, spliced }) if (File.Exists(f)) File.Delete(f);
        }
    }

    // framemd5 prints one line per packet (copied) or per frame that survives mpdecimate (stillOnly): a still plate leaves one.
    // The thresholds (about 3 levels per pixel) tolerate the encoder's own noise between GOPs and nothing a viewer would see.
    private async Task<int> CountFramesAsync(string file, bool stillOnly, CancellationToken ct)
    {
        var args = new List<string> { "-i", file, "-map", "0:v" };
        args.AddRange(stillOnly ? new[] { "-vf", "mpdecimate=hi=384:lo=192:frac=0:max=0" } : new[] { "-c", "copy" });
        args.AddRange(new[] { "-f", "framemd5", "-" });
        var result = await runner.RunAsync(args, ct, captureStdout: true).ConfigureAwait(false);
        return result.Stdout.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
    }

    private static Dictionary<string, string> CopyLayerAssets(LoadedCampaign campaign, string work)
    {
        var names = campaign.Template.Layers.SelectMany(l => new[] { l.Asset, l.Font }).OfType<string>().Distinct();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var n = 0;
        foreach (var name in names)
        {
            var source = campaign.Asset(name);
            var file = $"asset{n++:000}{Path.GetExtension(source)}";
            File.Copy(source, Path.Combine(work, file));
            map[name] = file;
        }
        return map;
    }

    private static List<int> Boundaries(TemplateSpec t) =>
        new[] { 0, t.DurationFrames }.Concat(t.Personalised.SelectMany(r => new[] { r.StartFrame, r.EndFrame }))
            .Distinct().Order().ToList();

    // The folder is keyed by the hero's sha256 plus everything else that shapes the cut, so a changed template re-prepares.
    private static string SettingsKey(TemplateSpec t, EncoderSettings enc, LoadedCampaign campaign)
    {
        var music = campaign.MusicPath is { } m ? CampaignLoader.Sha256Of(m) : "none";
        var assets = string.Join(',', t.Layers.SelectMany(l => new[] { l.Asset, l.Font }).OfType<string>().Distinct()
            .Select(a => CampaignLoader.Sha256Of(campaign.Asset(a))));
        var text = $"{PreparedTemplate.FormatVersion}|{JsonSerializer.Serialize(t, FleetJson.Options)}|{JsonSerializer.Serialize(enc, FleetJson.Options)}|{music}|{assets}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }

    internal static string Seconds(int frames, int fps) => ((decimal)frames / fps).ToString("0.######", CultureInfo.InvariantCulture);

    private static string Int(int n) => n.ToString(CultureInfo.InvariantCulture);
}
