using System.Text;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Rendering;

/// <summary>
/// Pure: turns a prepared template and a request into files and ffmpeg argument lists. No I/O, no clock, so every
/// decision (what is re-encoded, how text is escaped, how audio is mixed) is testable without running ffmpeg.
/// </summary>
public static class RenderPlanner
{
    /// <summary>
    /// The fast path, two processes: (1) re-encode only the personalised ranges with the template's exact encoder settings
    /// and build the whole audio track once; (2) concat the pre-cut untouched segments and the new ranges by stream copy
    /// and mux the audio. The audio is encoded in step 1 so the AAC encoder runs beside the x264 threads.
    /// </summary>
    public static RenderPlan PlanFast(PreparedTemplate p, RenderRequest request, string workDir, string tempOutput)
    {
        var t = p.Template;
        CheckGrade(t, request.Grade);
        if (request.Encoder is { } e && e != p.Encoder)
            throw new ArgumentException("the fast path encodes with the prepared template's own settings", nameof(request));

        var files = new List<PlannedFile>();
        var texts = TextFiles(t, request, workDir, files);
        var args = new List<string>();
        var graph = new StringBuilder();
        var input = 0;
        var outputs = new List<(PreparedSegment Segment, string Label, string File, int Repeat)>();

        foreach (var (segment, index) in p.Segments.Select((s, i) => (s, i)).Where(x => x.s.Personalised))
        {
            var window = new FrameRange(segment.StartFrame, segment.EndFrame);
            var layers = t.Layers.Where(l => window.Contains(l.Range)).ToList();
            // A still plate with layers that stay on for the whole range repeats exactly every GOP: encode one GOP only.
            var usePlate = segment.PlateGop is not null && layers.All(l => l.Range == window);
            var sourceWindow = usePlate ? new FrameRange(segment.StartFrame, segment.StartFrame + t.Fps) : window;
            var sourceInput = input++;
            args.AddRange(new[] { "-i", p.PathOf(usePlate ? segment.PlateGop! : segment.File) });
            var draws = Draws(p, layers, texts, ref input, args);
            var label = $"v{index}";
            FilterGraph.VideoChain(graph, $"[{sourceInput}:v]", label, sourceWindow, Shift(draws, usePlate, sourceWindow, window), request.Grade,
                t.Personalised, p.Encoder.FilterSuffix);
            outputs.Add((segment, label, Path.Combine(workDir, $"part{index:000}.mp4"), usePlate ? segment.Frames / t.Fps : 1));
        }

        var musicInput = input++;
        args.AddRange(new[] { "-i", p.PathOf(p.MusicWav) });
        int? voiceInput = null;
        if (request.VoiceWav is { } voice) { voiceInput = input++; args.AddRange(new[] { "-i", voice }); }
        FilterGraph.AudioMix(graph, t, musicInput, voiceInput);

        args.AddRange(new[] { "-filter_complex", graph.ToString() });
        foreach (var o in outputs)
        {
            args.AddRange(new[] { "-map", $"[{o.Label}]" });
            args.AddRange(p.Encoder.VideoArgs(t.Fps));
            args.AddRange(new[] { "-an", "-f", "mp4", o.File });
        }
        var audio = Path.Combine(workDir, "audio.m4a");
        args.AddRange(new[] { "-map", "[aout]" });
        args.AddRange(FilterGraph.AudioArgs);
        args.AddRange(new[] { "-vn", "-f", "mp4", audio });

        var list = new StringBuilder("ffconcat version 1.0\n");
        foreach (var s in p.Segments)
        {
            var made = outputs.FirstOrDefault(o => o.Segment == s);
            var (file, repeat) = made.File is null ? (p.PathOf(s.File), 1) : (made.File, made.Repeat);
            for (var i = 0; i < repeat; i++) list.Append("file ").Append(FilterEscape.ConcatPath(file)).Append('\n');
        }
        var listPath = Path.Combine(workDir, "concat.txt");
        files.Add(new PlannedFile(listPath, list.ToString()));

        var assemble = new List<string>
        {
            "-f", "concat", "-safe", "0", "-i", listPath, "-i", audio,
            "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-f", "mp4", tempOutput,
        };
        return new RenderPlan(RenderPath.Fast, p.Encoder.Codec, files,
            new[] { new FfmpegStep("personalise", args), new FfmpegStep("assemble", assemble) }, tempOutput);
    }

    /// <summary>
    /// The full path, one process: decode the whole clip, draw the layers with frame enables, mix the audio and re-encode
    /// everything. The naive baseline for benchmarks, and the way to use an encoder the template was not prepared with.
    /// </summary>
    public static RenderPlan PlanFull(PreparedTemplate p, RenderRequest request, string workDir, string tempOutput)
    {
        var t = p.Template;
        CheckGrade(t, request.Grade);
        var encoder = request.Encoder ?? p.Encoder;
        var files = new List<PlannedFile>();
        var texts = TextFiles(t, request, workDir, files);
        var args = new List<string>(encoder.GlobalArgs()) { "-i", p.PathOf(p.NormalisedVideo) };
        var input = 1;
        var draws = Draws(p, t.Layers, texts, ref input, args);
        var musicInput = input++;
        args.AddRange(new[] { "-i", p.PathOf(p.MusicWav) });
        int? voiceInput = null;
        if (request.VoiceWav is { } voice) { voiceInput = input; args.AddRange(new[] { "-i", voice }); }

        var graph = new StringBuilder();
        FilterGraph.VideoChain(graph, "[0:v]", "vout", new FrameRange(0, t.DurationFrames), draws, request.Grade, t.Personalised, encoder.FilterSuffix);
        FilterGraph.AudioMix(graph, t, musicInput, voiceInput);
        args.AddRange(new[] { "-filter_complex", graph.ToString(), "-map", "[vout]", "-map", "[aout]" });
        args.AddRange(encoder.VideoArgs(t.Fps));
        args.AddRange(FilterGraph.AudioArgs);
        args.AddRange(new[] { "-f", "mp4", tempOutput });
        return new RenderPlan(RenderPath.Full, encoder.Codec, files, new[] { new FfmpegStep("full-encode", args) }, tempOutput);
    }

    // Each text layer's filled text goes to its own UTF-8 file: drawtext reads it with expansion=none, so no character
    // of the copy is ever interpreted by ffmpeg or placed on the command line.
    private static Dictionary<LayerSpec, string> TextFiles(TemplateSpec t, RenderRequest request, string workDir, List<PlannedFile> files)
    {
        var map = new Dictionary<LayerSpec, string>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < t.Layers.Count; i++)
        {
            var layer = t.Layers[i];
            if (layer.Type != LayerType.Text) continue;
            var text = TextSlots.Fill(layer.Text ?? "", request.Fields);
            if (string.IsNullOrWhiteSpace(text)) continue;
            var path = Path.Combine(workDir, $"text{i:000}.txt");
            files.Add(new PlannedFile(path, text));
            map[layer] = path;
        }
        return map;
    }

    private static List<LayerDraw> Draws(PreparedTemplate p, IEnumerable<LayerSpec> layers, Dictionary<LayerSpec, string> texts, ref int input, List<string> args)
    {
        var draws = new List<LayerDraw>();
        foreach (var l in layers)
        {
            var font = l.Font is { } f ? p.PathOf(p.Assets[f]) : null;
            if (l.Type == LayerType.Text)
            {
                if (texts.TryGetValue(l, out var file)) draws.Add(new LayerDraw(l, file, -1, font));
                continue;
            }
            args.AddRange(new[] { "-i", p.PathOf(p.Assets[l.Asset!]) });
            draws.Add(new LayerDraw(l, null, input++, font));
        }
        return draws;
    }

    // In plate mode the source is one GOP, so layer ranges are re-expressed over that GOP (they cover all of it).
    private static IReadOnlyList<LayerDraw> Shift(List<LayerDraw> draws, bool plate, FrameRange gop, FrameRange window) =>
        plate ? draws.Select(d => d with { Layer = d.Layer with { StartFrame = gop.StartFrame, EndFrame = gop.EndFrame } }).ToList() : draws;

    private static void CheckGrade(TemplateSpec t, string grade)
    {
        if (!GradePresets.IsKnown(grade)) throw new FleetException($"unknown grade '{grade}' (known: {string.Join(", ", GradePresets.Names)})");
        if (!t.Grades.Contains(grade)) throw new FleetException($"grade '{grade}' is not allowed by this template (allowed: {string.Join(", ", t.Grades)})");
    }
}
