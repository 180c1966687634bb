using YamlDotNet.RepresentationModel;

namespace Fleet.Integration.Tests.Deploy;

/// <summary>Reads the files under <c>deploy/</c>: Kubernetes YAML documents, systemd units and env files, Dockerfiles.</summary>
public static class DeployFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine(new[] { Root, "deploy" }.Concat(parts).ToArray());

    public static IEnumerable<(string File, YamlMappingNode Doc)> K8sDocuments() =>
        Directory.EnumerateFiles(Path("k8s"), "*.yaml").Order().SelectMany(file =>
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            return stream.Documents.Select(d => (file, (YamlMappingNode)d.RootNode));
        });

    /// <summary>Every node of a YAML tree, depth first.</summary>
    public static IEnumerable<YamlNode> Walk(YamlNode node) => node switch
    {
        YamlMappingNode m => new[] { node }.Concat(m.Children.SelectMany(kv => Walk(kv.Key).Concat(Walk(kv.Value)))),
        YamlSequenceNode s => new[] { node }.Concat(s.Children.SelectMany(Walk)),
        _ => new[] { node },
    };

    public static YamlNode? At(YamlNode node, params string[] keys)
    {
        foreach (var k in keys)
        {
            if (node is not YamlMappingNode m || !m.Children.TryGetValue(new YamlScalarNode(k), out var next)) return null;
            node = next;
        }
        return node;
    }

    public static string Scalar(YamlNode? n) => (n as YamlScalarNode)?.Value ?? "";

    /// <summary>Key/value lines of a systemd unit or env file (sections and comments dropped; repeated keys kept).</summary>
    public static List<(string Key, string Value)> IniLines(string file) => File.ReadAllLines(file)
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith('[') && l.Contains('='))
        .Select(l => (l[..l.IndexOf('=')], l[(l.IndexOf('=') + 1)..]))
        .ToList();

    /// <summary>The <c>--flag</c> names in an argument list.</summary>
    public static IEnumerable<string> Flags(IEnumerable<string> args) =>
        args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a[2..].Split('=')[0]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Fleet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (Fleet.sln) not found above " + AppContext.BaseDirectory);
    }
}
