namespace Fleet.Shared.Cli;

/// <summary>Device tags as operators type them: <c>k=v,k2=v2</c>.</summary>
public static class TagText
{
    /// <summary>Parses <c>--tags</c>; empty or missing gives no tags. Sorted by key, as a plain Dictionary (on the wire allow-list).</summary>
    public static Dictionary<string, string> Parse(string? raw)
    {
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (raw ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0 || eq == pair.Length - 1) throw new UsageException($"--tags: '{pair}' is not key=value");
            tags[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        return tags.ToDictionary(kv => kv.Key, kv => kv.Value);
    }
}
