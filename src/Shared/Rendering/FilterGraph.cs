using System.Globalization;
using System.Text;

namespace Fleet.Shared.Rendering;

/// <summary>Builds the filter-graph pieces both render paths share: layer overlays, grades and the one audio mix.</summary>
internal static class FilterGraph
{
    public const string DefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
    public const int SampleRate = 48000;

    /// <summary>Audio encoder options: the native AAC encoder with M/S search off is ~3x faster at the same bitrate.</summary>
    public static readonly IReadOnlyList<string> AudioArgs = new[] { "-c:a", "aac", "-aac_coder", "fast", "-aac_ms", "0", "-b:a", "128k", "-ar", "48000", "-ac", "2" };

    /// <summary>
    /// Appends "grade, layers, format" for the frames of <paramref name="window"/> to <paramref name="graph"/>, reading
    /// <paramref name="input"/> and writing <paramref name="output"/>. Frame numbers in enables are relative to the window start.
    /// </summary>
    public static void VideoChain(StringBuilder graph, string input, string output, FrameRange window, IReadOnlyList<LayerDraw> layers,
        string grade, IReadOnlyList<FrameRange> gradeRanges, string formatSuffix)
    {
        var current = input;
        var n = 0;
        string Next() => $"[{output}_{n++}]";

        var gradeFilters = GradePresets.FilterFor(grade);
        if (gradeFilters.Length > 0)
        {
            var enable = Enable(gradeRanges, window);
            var chain = string.Join(',', gradeFilters.Split(',').Select(f => enable is null ? f : $"{f}:enable='{enable}'"));
            var next = Next();
            graph.Append(current).Append(chain).Append(next).Append(';');
            current = next;
        }
        foreach (var layer in layers)
        {
            var enable = Enable(new[] { layer.Layer.Range }, window);
            var when = enable is null ? "" : $":enable='{enable}'";
            var next = Next();
            if (layer.TextFile is { } textFile)
            {
                var l = layer.Layer;
                var x = l.X is { } lx ? Int(lx) : "(w-text_w)/2";
                graph.Append(current).Append("drawtext=fontfile=").Append(FilterEscape.Value(layer.FontFile ?? DefaultFont))
                    .Append(":textfile=").Append(FilterEscape.Value(textFile))
                    .Append(":expansion=none:fontsize=").Append(Int(l.FontSize))
                    .Append(":fontcolor=").Append(FilterEscape.Value(l.FontColor))
                    .Append(":x=").Append(x).Append(":y=").Append(Int(l.Y));
                if (l.Box is { } box)
                    graph.Append(":box=1:boxcolor=").Append(FilterEscape.Value(box.Color)).Append(":boxborderw=").Append(Int(box.Border));
                graph.Append(when).Append(next).Append(';');
            }
            else
            {
                var x = layer.Layer.X is { } lx ? Int(lx) : "(W-w)/2";
                graph.Append(current).Append($"[{layer.ImageInput}:v]overlay=x={x}:y={Int(layer.Layer.Y)}{when}").Append(next).Append(';');
            }
            current = next;
        }
        graph.Append(current).Append(formatSuffix).Append($"[{output}];");
    }

    /// <summary>
    /// Music bed (ducked under the voice slot) plus the voice at its offset, mixed into one track labelled aout. With
    /// <paramref name="fromSample"/> the track starts at that sample of the bed (the rest comes from the prepared music).
    /// </summary>
    public static void AudioMix(StringBuilder graph, TemplateSpec t, int musicInput, int? voiceInput, int fromSample = 0)
    {
        var musicVolume = Num(t.MusicVolume);
        var from = fromSample > 0 ? $"atrim=start_sample={Int(fromSample)},asetpts=PTS-STARTPTS," : "";
        if (voiceInput is not { } vi || t.Voice is not { } voice)
        {
            graph.Append($"[{musicInput}:a]{from}volume={musicVolume}[aout]");
            return;
        }
        var offset = (double)fromSample / SampleRate;
        var start = (double)voice.StartFrame / t.Fps;
        var end = (double)(voice.StartFrame + voice.MaxFrames) / t.Fps;
        graph.Append($"[{musicInput}:a]{from}volume=volume='{musicVolume}*if(between(t,{Num(start - offset)},{Num(end - offset)}),{Num(voice.DuckTo)},1)':eval=frame[mus];");
        // atrim caps the voice at its slot even if the caller's WAV is too long: the voice can never overrun.
        graph.Append($"[{vi}:a]aformat=sample_rates={Int(SampleRate)}:channel_layouts=stereo,atrim=end={Num(end - start)},")
            .Append($"adelay=delays={Int(VoiceStartSample(t) - fromSample)}S:all=1[vo];");
        graph.Append("[mus][vo]amix=inputs=2:duration=first:normalize=0[aout]");
    }

    /// <summary>The sample of the bed where the voice slot starts (0 without a voice).</summary>
    public static int VoiceStartSample(TemplateSpec t) => t.Voice is { } v ? (int)((long)v.StartFrame * SampleRate / t.Fps) : 0;

    /// <summary>The frames of <paramref name="ranges"/> inside <paramref name="window"/> as an n-based enable; null when all frames are on.</summary>
    private static string? Enable(IEnumerable<FrameRange> ranges, FrameRange window)
    {
        var parts = new List<string>();
        var coversAll = false;
        foreach (var r in ranges)
        {
            var a = Math.Max(r.StartFrame, window.StartFrame) - window.StartFrame;
            var b = Math.Min(r.EndFrame, window.EndFrame) - window.StartFrame - 1;
            if (b < a) continue;
            if (a == 0 && b == window.Frames - 1) coversAll = true;
            parts.Add($"between(n,{Int(a)},{Int(b)})");
        }
        if (coversAll) return null;
        return parts.Count == 0 ? "0" : string.Join('+', parts);
    }

    public static string Int(int n) => n.ToString(CultureInfo.InvariantCulture);

    public static string Num(double d) => d.ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>A layer ready to draw: its text file (text layers) or its input index (image layers), and its font.</summary>
internal sealed record LayerDraw(LayerSpec Layer, string? TextFile, int ImageInput, string? FontFile);
