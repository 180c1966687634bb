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
    /// The fast path, processes that run side by side: (1) re-encode only the personalised ranges with the template's
    /// exact encoder settings; (2) with a voice, mix and encode the audio of the voice slot, from just before it to just
    /// after (the music around it was encoded when the template was prepared); (3) concat the pre-cut untouched segments and the new
    /// ranges, and the prepared music frames and the new audio frames, all by stream copy. Step 3 reads the new ranges and
    /// the audio through named pipes, so it muxes what is ready while steps 1 and 2 are still encoding.
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
        var outputs = new List<(PreparedSegment Segment, string Label, string File, int Repeat, bool Still)>();

        foreach (var (segment, index) in p.Segments.Select((s, i) => (s, i)).Where(x => x.s.Personalised))
        {
            var window = new FrameRange(segment.StartFrame, segment.EndFrame);
            var layers = t.Layers.Where(l => window.Contains(l.Range)).ToList();
            // A still plate whose layers stay on for the whole range: every frame equals the first, so only the
            // keyframe is encoded and the plate's prepared copy-frames complete each GOP.
            var still = segment.StillSkipFrames is not null && layers.All(l => l.Range == window);
            var sourceInput = input++;
            // One decoding thread: x264 keeps the cores busy, and a frame-threaded decoder adds only its start-up and hand-offs.
            args.AddRange(new[] { "-threads", "1", "-i", p.PathOf(segment.File) });
            var draws = Draws(p, layers, texts, ref input, args);
            var label = $"v{index}";
            var drawWindow = still ? new FrameRange(segment.StartFrame, segment.StartFrame + 1) : window;
            FilterGraph.VideoChain(graph, $"[{sourceInput}:v]", label, drawWindow, still ? Pin(draws, drawWindow) : draws, request.Grade,
                t.Personalised, p.Encoder.FilterSuffix);
            outputs.Add((segment, label, Path.Combine(workDir, $"part{index:000}.h264"), still ? segment.Frames / t.Fps : 1, still));
        }
        // A single range of moving footage is encoded straight into the pipe the assemble step reads, so it muxes each
        // frame as it comes out instead of waiting for the step to end. With several ranges each needs a file: ffmpeg
        // opens every output before it writes any, and the assembler reads them one after another.
        var direct = outputs is [{ Still: false } only] ? Pipe(only.File, 0) : null;
        if (direct is not null) outputs[0] = outputs[0] with { File = direct };

        args.AddRange(new[] { "-filter_complex", graph.ToString().TrimEnd(';') });
        foreach (var o in outputs)
        {
            args.AddRange(new[] { "-map", $"[{o.Label}]" });
            if (o.Still) args.AddRange(new[] { "-frames:v", "1" });
            args.AddRange(p.Encoder.VideoArgs(t.Fps));
            // Raw Annex B: no container to seek in, so the concat demuxer can read it from a pipe.
            args.AddRange(new[] { "-an", "-f", "h264", o.File });
        }

        var list = new StringBuilder("ffconcat version 1.0\n");
        var feeds = new List<PipeFeed>();
        void Entry(string file, int frames) => list.Append("file ").Append(FilterEscape.ConcatPath(file)).Append('\n')
            .Append("duration ").Append(TemplatePreparer.Seconds(frames, t.Fps)).Append('\n');
        foreach (var s in p.Segments)
        {
            var made = outputs.FirstOrDefault(o => o.Segment == s);
            if (made.File is null)
            {
                Entry(p.PathOf(s.File), s.Frames);
                continue;
            }
            var sources = made.Still ? new[] { made.File, p.PathOf(s.StillSkipFrames!) } : made.File == direct ? Array.Empty<string>() : new[] { made.File };
            for (var i = 0; i < made.Repeat; i++)
            {
                var pipe = Pipe(made.File, i);
                feeds.Add(new PipeFeed(pipe, sources));
                Entry(pipe, made.Still ? t.Fps : s.Frames);
            }
        }
        var listPath = Path.Combine(workDir, "parts.ffconcat");
        files.Add(new PlannedFile(listPath, list.ToString()));

        var steps = new List<FfmpegStep> { new("personalise", args) };
        var audio = new AudioFeed(Path.Combine(workDir, "audio.aac"), p.PathOf(p.MusicAac));
        if (request.ExpectsVoice && t.Voice is not null)
        {
            // The engine puts the voice here once it is spoken (it may still be, while the video step runs).
            var voice = Path.Combine(workDir, "voice.wav");
            var mixed = Path.Combine(workDir, "mix.aac");
            steps.Add(new FfmpegStep(MixStep, MixArgs(p, voice, mixed)));
            audio = audio with { Mixed = mixed, Splice = p.VoiceSplice, Voice = voice, ResumeFrame = p.VoiceSplice?.ResumeFrame(t) };
        }
        steps.Add(new FfmpegStep("assemble", AssembleArgs(p, listPath, audio.Pipe, tempOutput)));
        return new RenderPlan(RenderPath.Fast, p.Encoder.Codec, files, steps, tempOutput, feeds, audio);
    }

    private static string Pipe(string part, int repeat) => Path.ChangeExtension(part, $"pipe{repeat}");

    /// <summary>Name of the fast path's audio step (only with a voice).</summary>
    public const string MixStep = "mix";

    /// <summary>
    /// Arguments of the fast path's mix step: the bed from the splice's <see cref="AudioSplice.EncodeFrom"/> on, ducked, with
    /// the voice at its offset, as raw AAC frames (ADTS) to append to the prepared prefix; up to the splice's
    /// <see cref="AudioSplice.ResumeFrame"/> where the prepared frames take over again. The voice may be a named pipe: this
    /// is also what a pre-started mix process runs.
    /// </summary>
    public static IReadOnlyList<string> MixArgs(PreparedTemplate p, string voiceWav, string output)
    {
        var graph = new StringBuilder();
        FilterGraph.AudioMix(graph, p.Template, musicInput: 0, voiceInput: 1, p.VoiceSplice?.EncodeFrom ?? 0);
        var args = new List<string> { "-i", p.PathOf(p.MusicWav), "-f", "wav", "-i", voiceWav, "-filter_complex", graph.ToString(), "-map", "[aout]" };
        if (p.VoiceSplice is { } splice && splice.ResumeFrame(p.Template) is { } resume)
            args.AddRange(new[] { "-frames:a", FilterGraph.Int(splice.MixFramesUntil(resume)) });
        args.AddRange(FilterGraph.AudioArgs);
        args.AddRange(new[] { "-f", "adts", output });
        return args;
    }

    /// <summary>
    /// Arguments of the fast path's assemble step: the concat list (untouched cuts + new ranges) and the audio track (ADTS),
    /// both stream-copied. The list and the audio may be named pipes: this is also what a pre-started assemble process runs
    /// (see <see cref="RenderEngine.KeepStepsWarm"/>).
    /// </summary>
    public static IReadOnlyList<string> AssembleArgs(PreparedTemplate p, string listPath, string audioPath, string output)
    {
        var t = p.Template;
        // Raw AAC carries no timestamps: shifting it back by the encoder's priming frame lets the MP4 muxer write the edit
        // list that an encode straight to MP4 writes, so sound and picture start together.
        var priming = "-" + FilterGraph.Num((double)Adts.FrameSamples / FilterGraph.SampleRate);
        // Raw H.264 has no timestamps of its own either; a track timescale of 512 ticks per frame keeps frame times exact.
        // Each input is read on its own thread into a queue of 8 packets by default; the muxer then stalls in 10 ms naps
        // on whichever pipe is behind (tripling the step's wall time). A queue as deep as the clip never stalls.
        return new List<string>
        {
            "-thread_queue_size", "512", "-f", "concat", "-safe", "0", "-i", listPath,
            "-thread_queue_size", "512", "-itsoffset", priming, "-f", "aac", "-i", audioPath,
            "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-video_track_timescale", FilterGraph.Int(t.Fps * 512), "-f", "mp4", output,
        };
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

    // For a still plate only the first frame is drawn, so every layer (on for the whole range) is pinned to that frame.
    private static IReadOnlyList<LayerDraw> Pin(List<LayerDraw> draws, FrameRange frame) =>
        draws.Select(d => d with { Layer = d.Layer with { StartFrame = frame.StartFrame, EndFrame = frame.EndFrame } }).ToList();

    private static void CheckGrade(TemplateSpec t, string grade)
    {
        if (!GradePresets.IsKnown(grade)) throw new FleetException($"unknown grade '{grade}' (known: {string.Join(", ", GradePresets.Names)})");
        if (!t.Grades.Contains(grade)) throw new FleetException($"grade '{grade}' is not allowed by this template (allowed: {string.Join(", ", t.Grades)})");
    }
}
