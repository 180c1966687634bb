using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fleet.Integration.Tests.Deploy;

/// <summary>
/// deploy/observability: the alert rules pass <c>promtool check rules</c> and their unit tests (<c>promtool test rules</c>)
/// where promtool is installed, and every fleet metric the rules and dashboards query is one the code exports, as the
/// Prometheus exporter names it (read from the instrument definitions in src/, so a renamed instrument fails here).
/// </summary>
public sealed partial class ObservabilityFilesTests
{
    private static string Observability(params string[] parts) => DeployFiles.Path(["observability", .. parts]);

    [Fact]
    public async Task The_alert_rules_pass_promtool_check_and_their_unit_tests()
    {
        Assert.True(File.Exists(Observability("alerts.yaml")) && File.Exists(Observability("alerts.test.yaml")));
        if (Promtool.Binary is null) return; // the name check below still runs without it
        var check = await Promtool.RunAsync(null, "check", "rules", Observability("alerts.yaml"));
        Assert.True(check.Exit == 0, $"promtool check rules:\n{check.Output}");
        var test = await Promtool.RunAsync(null, "test", "rules", Observability("alerts.test.yaml"));
        Assert.True(test.Exit == 0, $"promtool test rules:\n{test.Output}");
    }

    [Fact]
    public void Every_fleet_metric_in_the_rules_and_dashboards_is_one_the_code_exports()
    {
        var exported = ExportedNames();
        Assert.Contains("fleet_edge_render_seconds_bucket", exported); // the reading of the code itself works
        var files = Directory.EnumerateFiles(Observability("dashboards"), "*.json").Append(Observability("alerts.yaml")).Append(Observability("alerts.test.yaml")).ToList();
        Assert.Equal(7, files.Count);
        var dashboards = files.Where(f => f.EndsWith(".json", StringComparison.Ordinal)).ToList();
        foreach (var d in dashboards)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(d)); // each dashboard is valid JSON with panels that query something
            Assert.All(doc.RootElement.GetProperty("panels").EnumerateArray(), p => Assert.NotEmpty(p.GetProperty("targets").EnumerateArray()));
        }
        var unknown = files.SelectMany(f => FleetName().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Name: m.Value)))
            .Where(x => !exported.Contains(x.Name)).Distinct().ToList();
        Assert.True(unknown.Count == 0, "not exported by the code: " + string.Join(", ", unknown.Select(u => $"{u.Name} ({u.File})")));
        // Every area has its dashboard.
        Assert.Equal(new[] { "device", "fleet", "kill-switch", "renders", "rollouts" }, dashboards.Select(f => Path.GetFileNameWithoutExtension(f)).Order().ToArray());
    }

    /// <summary>
    /// The Prometheus names of every fleet_* instrument created in src/: counters get <c>_total</c>, a unit of seconds
    /// or bytes its suffix, histograms their <c>_bucket</c>, <c>_sum</c> and <c>_count</c> series.
    /// </summary>
    private static HashSet<string> ExportedNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(DeployFiles.Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match m in Instrument().Matches(File.ReadAllText(file)))
            {
                var suffix = UnitLiteral(m.Groups["rest"].Value) switch { "s" => "_seconds", "By" => "_bytes", _ => "" };
                var name = m.Groups["name"].Value;
                if (!name.EndsWith(suffix, StringComparison.Ordinal)) name += suffix; // the exporter adds a unit once
                var kind = m.Groups["kind"].Value;
                if (kind.Contains("Histogram")) names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
                else if (kind is "Counter" or "ObservableCounter") names.Add(name + "_total");
                else names.Add(name);
            }
        }
        return names;
    }

    /// <summary>The instrument's unit: its first argument after the name that is a short string literal.</summary>
    private static string? UnitLiteral(string rest) => UnitArgument().Match(rest) is { Success: true } u ? u.Groups[1].Value : null;

    [GeneratedRegex("""Create(?<kind>Counter|Histogram|ObservableGauge|ObservableCounter|UpDownCounter|ObservableUpDownCounter)(<[^>]+>)?\(\s*"(?<name>fleet_[a-z0-9_]+)"(?<rest>[^;]*);""")]
    private static partial Regex Instrument();

    [GeneratedRegex(""", "(s|By)"[,)]""")]
    private static partial Regex UnitArgument();

    [GeneratedRegex(@"\bfleet_[a-z0-9_]+")]
    private static partial Regex FleetName();
}
