namespace Fleet.Shared.Cli;

/// <summary>Durations as operators type them: <c>30s</c>, <c>10m</c>, <c>2h</c>, <c>7d</c>, or plain seconds.</summary>
public static class Durations
{
    /// <summary>The duration, or null when <paramref name="s"/> is empty, negative or not a duration.</summary>
    public static TimeSpan? Parse(string? s)
    {
        if (string.IsNullOrWhiteSpace(s)) return null;
        s = s.Trim();
        var unit = char.IsDigit(s[^1]) ? 's' : s[^1];
        if (!long.TryParse(char.IsDigit(s[^1]) ? s : s[..^1], out var n) || n < 0) return null;
        return unit switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => null,
        };
    }
}
