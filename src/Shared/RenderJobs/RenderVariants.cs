using Fleet.Shared.Rendering;

namespace Fleet.Shared.RenderJobs;

/// <summary>
/// A template at another height: canvas, positions and font sizes scaled by the same factor (width kept even), so the
/// 720p sample becomes an honest 1080p render (the hero is re-imported at that size when the template is prepared).
/// </summary>
public static class RenderVariants
{
    public static readonly IReadOnlyList<int> Heights = new[] { 360, 480, 720, 1080, 1440, 2160 };

    public static bool IsKnown(int height) => Heights.Contains(height);

    /// <summary>Parses <c>1080p</c> or <c>1080</c>; null when it is neither.</summary>
    public static int? ParseHeight(string? text)
    {
        var t = (text ?? "").Trim().TrimEnd('p', 'P');
        return int.TryParse(t, out var h) && IsKnown(h) ? h : null;
    }

    public static TemplateSpec Scale(TemplateSpec t, int height)
    {
        if (height == t.Height) return t;
        var f = (double)height / t.Height;
        int S(int v) => (int)Math.Round(v * f);
        var width = S(t.Width);
        if (width % 2 == 1) width++;
        return t with
        {
            Width = width,
            Height = height,
            Layers = t.Layers.Select(l => l with
            {
                X = l.X is { } x ? S(x) : null,
                Y = S(l.Y),
                FontSize = Math.Max(1, S(l.FontSize)),
                Box = l.Box is { } b ? b with { Border = Math.Max(0, S(b.Border)) } : null,
            }).ToList(),
        };
    }
}
