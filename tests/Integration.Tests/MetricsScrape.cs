namespace Fleet.Integration.Tests;

/// <summary>
/// Reads a node's Prometheus <c>/metrics</c>, asserts the named series are there and that <c>promtool check metrics</c>
/// finds nothing wrong with the whole exposition (names, units, help, types) where promtool is installed.
/// </summary>
public static class MetricsScrape
{
    public static async Task<string> CheckedAsync(string baseUrl, params string[] names)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var text = await http.GetStringAsync(baseUrl.TrimEnd('/') + "/metrics");
        var series = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('{', ' ')[0]).ToHashSet(StringComparer.Ordinal);
        var missing = names.Where(n => !series.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"{baseUrl}/metrics lacks {string.Join(", ", missing)}; it has:\n{string.Join('\n', series.Order())}");
        if (Promtool.Binary is not null)
        {
            var (exit, output) = await Promtool.RunAsync(text, "check", "metrics");
            Assert.True(exit == 0 && output.Length == 0, $"promtool check metrics on {baseUrl}/metrics (exit {exit}):\n{output}");
        }
        return text;
    }

    /// <summary>The value of the one series of <paramref name="name"/> carrying every label given (<c>key="value"</c>); null when none does.</summary>
    public static double? Value(string scrape, string name, params string[] labels)
    {
        var line = scrape.Split('\n').FirstOrDefault(l =>
            (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal)) && labels.All(x => l.Contains(x, StringComparison.Ordinal)));
        if (line is null) return null;
        var rest = line.Contains('}') ? line[(line.LastIndexOf('}') + 1)..] : line[name.Length..];
        return double.Parse(rest.Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
