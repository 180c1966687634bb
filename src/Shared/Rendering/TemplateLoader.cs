using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Rendering;

/// <summary>Loads <c>template.json</c>: schema first (errors name the field), then the timing rules a schema cannot express.</summary>
public static class TemplateLoader
{
    public const string SchemaName = "template.schema.json";

    public static TemplateSpec Load(string path) => Check(SchemaCheckedJson.Load<TemplateSpec>(path, SchemaName), Path.GetFileName(path));

    public static TemplateSpec Parse(string json, string label = "template.json") =>
        Check(SchemaCheckedJson.Parse<TemplateSpec>(json, label, SchemaName), label);

    private static TemplateSpec Check(TemplateSpec t, string label)
    {
        void Fail(string pointer, string message) => throw new FleetException($"{label}: {pointer}: {message}");

        var previousEnd = 0;
        for (var i = 0; i < t.Personalised.Count; i++)
        {
            var r = t.Personalised[i];
            if (r.EndFrame <= r.StartFrame) Fail($"/personalised/{i}/end_frame", "must be > start_frame");
            if (r.EndFrame > t.DurationFrames) Fail($"/personalised/{i}/end_frame", $"must be <= duration_frames ({t.DurationFrames})");
            if (r.StartFrame < previousEnd) Fail($"/personalised/{i}/start_frame", "ranges must be in order and not overlap");
            // Untouched footage is stream-copied, so every cut must fall on a keyframe: GOPs are exactly fps frames long.
            if (r.StartFrame % t.Fps != 0) Fail($"/personalised/{i}/start_frame", $"must be a multiple of fps ({t.Fps}) so the cut falls on a keyframe");
            if (r.EndFrame % t.Fps != 0 && r.EndFrame != t.DurationFrames)
                Fail($"/personalised/{i}/end_frame", $"must be a multiple of fps ({t.Fps}) or the last frame");
            previousEnd = r.EndFrame;
        }
        for (var i = 0; i < t.Layers.Count; i++)
        {
            var l = t.Layers[i];
            if (l.EndFrame <= l.StartFrame) Fail($"/layers/{i}/end_frame", "must be > start_frame");
            // A layer outside the personalised ranges would need the untouched footage re-encoded.
            if (!t.Personalised.Any(p => p.Contains(l.Range)))
                Fail($"/layers/{i}", "must lie inside one personalised range");
        }
        for (var i = 0; i < t.Pii.Count; i++)
            if (t.Pii[i] is "headline" or "cta") Fail($"/pii/{i}", $"'{t.Pii[i]}' is approved campaign copy, not personal data");
        if (t.Voice is { } v)
        {
            if (v.StartFrame + v.MaxFrames > t.DurationFrames)
                Fail("/voice/max_frames", $"start_frame + max_frames must be <= duration_frames ({t.DurationFrames})");
        }
        return t;
    }
}
