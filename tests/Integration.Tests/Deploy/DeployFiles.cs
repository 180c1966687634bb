using YamlDotNet.RepresentationModel;

namespace Fleet.Integration.Tests.Deploy;

/// <summary>Reads the files under <c>deploy/</c>: Kubernetes YAML documents, systemd units and env files, Dockerfiles.</summary>
public static class DeployFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine(new[] { Root, "deploy" }.Concat(parts).ToArray());

    public static IEnumerable<(string File, YamlMappingNode Doc)> K8sDocuments() =>
        Directory.EnumerateFiles(Path("k8s"), "*.yaml").Order().SelectMany(file => YamlDocuments(file).Select(d => (file, d)));

    public static List<YamlMappingNode> YamlDocuments(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(file);
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    /// <summary>Every container that runs the fleet-cloud image, with the file it is in.</summary>
    public static IEnumerable<(string File, YamlMappingNode Container)> FleetContainers() =>
        K8sDocuments().SelectMany(d => Walk(d.Doc).OfType<YamlMappingNode>()
            .Where(m => Scalar(At(m, "image")).Contains("fleet-cloud"))
            .Select(c => (d.File, c)));

    public static List<string> Args(YamlMappingNode container) =>
        ((YamlSequenceNode)At(container, "args")!).Children.Select(Scalar).ToList();

    public static List<string> Mounts(YamlMappingNode container) =>
        ((YamlSequenceNode)At(container, "volumeMounts")!).Children.Select(m => Scalar(At(m, "mountPath"))).ToList();

    /// <summary>Arguments with <c>$(VAR)</c> filled in as Kubernetes would, from sample values for the container's env.</summary>
    public static IEnumerable<string> Expand(YamlMappingNode container, IEnumerable<string> args)
    {
        var samples = new Dictionary<string, string>
        {
            ["POD_NAME"] = "fleet-cloud-0", ["POD_NAMESPACE"] = "fleet", ["POD_IP"] = "10.0.0.7", ["FLEET_DB"] = "Host=fleet-postgres;Database=fleet;Username=fleet",
        };
        var env = ((YamlSequenceNode?)At(container, "env"))?.Children.Select(e => Scalar(At(e, "name"))).ToHashSet() ?? new HashSet<string>();
        return args.Select(a => System.Text.RegularExpressions.Regex.Replace(a, @"\$\((\w+)\)", m =>
        {
            Xunit.Assert.Contains(m.Groups[1].Value, env); // every variable an argument uses is defined for the container
            return samples[m.Groups[1].Value];
        }));
    }

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
