namespace Fleet.Shared.Rendering;

/// <summary>Escaping for values placed inside an ffmpeg filter graph (option level, then graph level).</summary>
public static class FilterEscape
{
    /// <summary>Escapes <paramref name="value"/> so it is read back verbatim as one filter option value.</summary>
    public static string Value(string value)
    {
        // Level 1: the option parser treats \ ' : as special.
        var level1 = value.Replace("\\", "\\\\").Replace("'", "\\'").Replace(":", "\\:");
        // Level 2: the graph parser treats \ ' [ ] , ; as special.
        return level1.Replace("\\", "\\\\").Replace("'", "\\'").Replace("[", "\\[").Replace("]", "\\]")
            .Replace(",", "\\,").Replace(";", "\\;");
    }

    /// <summary>Quotes a path for a concat demuxer list (single quotes; an embedded quote closes, escapes and reopens).</summary>
    public static string ConcatPath(string path) => "'" + path.Replace("'", "'\\''") + "'";
}
