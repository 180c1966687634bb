using Fleet.Cloud.Hosting;
using Fleet.Edge.Hosting;
using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;
using YamlDotNet.RepresentationModel;
using static Fleet.Integration.Tests.Deploy.DeployFiles;

namespace Fleet.Integration.Tests.Deploy;

/// <summary>The deployment files only use ports, paths and flags the programs really have.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DeployFilesTests
{
    private static readonly int[] FleetPorts = { 4053, 4443, 5080 };

    private static IEnumerable<(string File, YamlMappingNode Container)> FleetContainers() =>
        K8sDocuments().SelectMany(d => Walk(d.Doc).OfType<YamlMappingNode>()
            .Where(m => Scalar(At(m, "image")).Contains("fleet-cloud"))
            .Select(c => (d.File, c)));

    private static List<string> Args(YamlMappingNode container) =>
        ((YamlSequenceNode)At(container, "args")!).Children.Select(Scalar).ToList();

    [Fact]
    public void Every_fleet_container_runs_the_agent_with_known_flags_ports_probes_and_mounted_paths()
    {
        var containers = FleetContainers().ToList();
        Assert.True(containers.Count >= 2, "cloud StatefulSet and render Deployment");
        foreach (var (file, c) in containers)
        {
            var args = Args(c);
            Assert.Equal("agent", args[0]);
            Assert.All(Flags(args), f => Assert.Contains(f, CloudOptions.KnownOptions));
            Assert.DoesNotContain("insecure-dev", Flags(args));
            Assert.Equal("4053", args[args.IndexOf("--port") + 1]);
            // The API is served over HTTPS with the node certificate, and probed that way.
            Assert.Equal("https://0.0.0.0:5080", args[args.IndexOf("--http") + 1]);
            var ports = ((YamlSequenceNode)At(c, "ports")!).Children.Select(p => int.Parse(Scalar(At(p, "containerPort"))));
            Assert.All(ports, p => Assert.Contains(p, FleetPorts));
            Assert.Equal("/readyz", Scalar(At(c, "readinessProbe", "httpGet", "path")));
            Assert.Equal("/healthz", Scalar(At(c, "livenessProbe", "httpGet", "path")));
            Assert.Equal("5080", Scalar(At(c, "readinessProbe", "httpGet", "port")));
            Assert.All(new[] { "readinessProbe", "livenessProbe" }, p => Assert.Equal("HTTPS", Scalar(At(c, p, "httpGet", "scheme"))));
            Assert.NotNull(At(c, "resources", "requests", "cpu"));
            Assert.NotNull(At(c, "resources", "requests", "memory"));
            var mounts = Mounts(c);
            // Either the CA key (nodes that issue) or a pre-issued certificate, its key and the CA certificate; all mounted.
            var pkiFlags = new[] { "ca-key", "node-cert", "node-key", "ca-cert" }.Where(f => args.Contains("--" + f)).ToList();
            Assert.True(pkiFlags.SequenceEqual(new[] { "ca-key" }) || pkiFlags.SequenceEqual(new[] { "node-cert", "node-key", "ca-cert" }), $"{file}: {string.Join(",", pkiFlags)}");
            Assert.All(pkiFlags, f => Assert.Contains(System.IO.Path.GetDirectoryName(args[args.IndexOf("--" + f) + 1]), mounts));
            Assert.Contains(args[args.IndexOf("--data") + 1], mounts);
            Assert.True(Flags(args).Count(f => f == "seed") == 3, $"{file}: three seeds");
            Assert.All(args.Where((_, i) => i > 0 && args[i - 1] == "--seed"),
                s => Assert.Matches(@"^fleet-cloud-[0-2]\.fleet-cloud\.\$\(POD_NAMESPACE\)\.svc\.cluster\.local:4053$", s));
            // The real option parser takes every container's arguments (with the environment filled in as Kubernetes would).
            var parsed = CloudOptions.From(CommandArgs.Parse(Expand(c, args.Skip(1)).ToArray(), CloudOptions.BooleanOptions));
            Assert.NotEmpty(parsed.Roles);
        }
    }

    [Fact]
    public void The_control_plane_is_a_three_node_stateful_set_behind_a_headless_service_and_render_workers_ask_for_a_gpu()
    {
        var docs = K8sDocuments().Select(d => d.Doc).ToList();
        var sts = Assert.Single(docs, d => Scalar(At(d, "kind")) == "StatefulSet" && Scalar(At(d, "metadata", "name")) == "fleet-cloud");
        Assert.Equal("3", Scalar(At(sts, "spec", "replicas")));
        var serviceName = Scalar(At(sts, "spec", "serviceName"));
        var headless = Assert.Single(docs, d => Scalar(At(d, "kind")) == "Service" && Scalar(At(d, "metadata", "name")) == serviceName);
        Assert.Equal("None", Scalar(At(headless, "spec", "clusterIP")));
        var roles = FleetContainers().Select(c => Args(c.Container)).SelectMany(a => a[a.IndexOf("--roles") + 1].Split(',')).ToList();
        Assert.Contains("control", roles);
        var render = FleetContainers().Single(c => Args(c.Container).Contains("render")).Container;
        Assert.Equal("1", Scalar(At(render, "resources", "limits", "nvidia.com/gpu")));
        Assert.Equal("1", Scalar(At(render, "resources", "requests", "nvidia.com/gpu")));
        // Workers and the API nodes share one content store (assets in, finished renders out), a ReadWriteMany claim.
        var renderArgs = Args(render);
        Assert.True(int.Parse(renderArgs[renderArgs.IndexOf("--render-slots") + 1]) >= 1);
        var stores = FleetContainers().Select(c => Args(c.Container)).Select(a => a.IndexOf("--store") is var i and >= 0 ? a[i + 1] : null).ToList();
        Assert.All(stores, s => Assert.Equal("/var/lib/fleet-store", s));
        Assert.All(FleetContainers(), c => Assert.Contains("/var/lib/fleet-store",
            ((YamlSequenceNode)At(c.Container, "volumeMounts")!).Children.Select(m => Scalar(At(m, "mountPath")))));
        var claim = Assert.Single(docs, d => Scalar(At(d, "kind")) == "PersistentVolumeClaim" && Scalar(At(d, "metadata", "name")) == "fleet-store");
        Assert.Equal("ReadWriteMany", Scalar(((YamlSequenceNode)At(claim, "spec", "accessModes")!).Children[0]));
        Assert.Contains(docs, d => Scalar(At(d, "kind")) == "Secret" && Scalar(At(d, "metadata", "name")) == "fleet-ca");
    }

    [Fact]
    public void Remoting_is_open_to_fleet_pods_only_the_api_to_all_and_the_gateway_to_store_networks()
    {
        var policies = K8sDocuments().Select(d => d.Doc).Where(d => Scalar(At(d, "kind")) == "NetworkPolicy").ToList();
        var fleet = Assert.Single(policies, p => Scalar(At(p, "metadata", "name")) == "fleet-cloud");
        var rules = ((YamlSequenceNode)At(fleet, "spec", "ingress")!).Children.ToList();
        int[] PortsOf(YamlNode rule) => ((YamlSequenceNode)At(rule, "ports")!).Children.Select(p => int.Parse(Scalar(At(p, "port")))).ToArray();
        Assert.Equal(new[] { 4053, 5080 }, rules.SelectMany(PortsOf).Order());
        var remoting = Assert.Single(rules, r => PortsOf(r).Contains(4053));
        var from = Assert.Single(((YamlSequenceNode)At(remoting, "from")!).Children);
        Assert.Equal("fleet", Scalar(At(from, "podSelector", "matchLabels", "app.kubernetes.io/part-of")));

        var gatewayPolicy = Assert.Single(policies, p => Scalar(At(p, "metadata", "name")) == "fleet-gateway");
        Assert.Equal("fleet-cloud", Scalar(At(gatewayPolicy, "spec", "podSelector", "matchLabels", "app.kubernetes.io/name")));
        var gatewayRule = Assert.Single(((YamlSequenceNode)At(gatewayPolicy, "spec", "ingress")!).Children);
        Assert.Equal(new[] { 4443 }, PortsOf(gatewayRule));
        var storeRanges = ((YamlSequenceNode)At(gatewayRule, "from")!).Children.Select(f => Scalar(At(f, "ipBlock", "cidr"))).ToList();
        Assert.NotEmpty(storeRanges);
        Assert.All(storeRanges, r => Assert.Matches(@"^\d+\.\d+\.\d+\.\d+/\d+$", r));

        var service = Assert.Single(K8sDocuments().Select(d => d.Doc), d => Scalar(At(d, "kind")) == "Service" && Scalar(At(d, "metadata", "name")) == "fleet-gateway");
        Assert.Equal("LoadBalancer", Scalar(At(service, "spec", "type")));
        Assert.Equal("Local", Scalar(At(service, "spec", "externalTrafficPolicy"))); // keeps the client address for the policy
        Assert.Equal(storeRanges, ((YamlSequenceNode)At(service, "spec", "loadBalancerSourceRanges")!).Children.Select(Scalar));
        Assert.Equal("fleet-cloud", Scalar(At(service, "spec", "selector", "app.kubernetes.io/name")));
        var port = Assert.Single(((YamlSequenceNode)At(service, "spec", "ports")!).Children);
        Assert.Equal(("4443", "4443"), (Scalar(At(port, "port")), Scalar(At(port, "targetPort"))));
    }

    [Fact]
    public void The_cloud_nodes_are_control_render_and_gateway_with_the_gateway_port_open()
    {
        var (_, cloud) = FleetContainers().Single(c => Args(c.Container).Contains("--ca-key"));
        var args = Args(cloud);
        Assert.Equal("control,render,gateway", args[args.IndexOf("--roles") + 1]);
        Assert.Equal("4443", args[args.IndexOf("--gateway-port") + 1]);
        var parsed = CloudOptions.From(CommandArgs.Parse(Expand(cloud, args.Skip(1)).ToArray(), CloudOptions.BooleanOptions));
        Assert.Equal(new[] { FleetCluster.ControlRole, FleetCluster.RenderRole, FleetCluster.GatewayRole }, parsed.Roles);
        Assert.Equal(4443, parsed.GatewayPort);
        Assert.Contains(((YamlSequenceNode)At(cloud, "ports")!).Children, p => Scalar(At(p, "containerPort")) == "4443");
    }

    [Fact]
    public void Render_workers_run_with_a_pre_issued_render_certificate_and_neither_the_ca_key_nor_the_admin_token()
    {
        var docs = K8sDocuments().Select(d => d.Doc).ToList();
        var deployment = Assert.Single(docs, d => Scalar(At(d, "kind")) == "Deployment" && Scalar(At(d, "metadata", "name")) == "fleet-render");
        var pod = At(deployment, "spec", "template", "spec")!;
        var render = (YamlMappingNode)Assert.Single(((YamlSequenceNode)At(pod, "containers")!).Children);
        var args = Args(render);
        Assert.Equal("render", args[args.IndexOf("--roles") + 1]);
        Assert.DoesNotContain("--ca-key", args);
        Assert.DoesNotContain("--db", args); // it persists nothing: no database credentials either
        var secretsUsed = Walk(pod).OfType<YamlMappingNode>().SelectMany(m => new[] { Scalar(At(m, "secretKeyRef", "name")), Scalar(At(m, "secret", "secretName")) })
            .Where(n => n.Length > 0).ToList();
        Assert.Equal(new[] { "fleet-render-cert" }, secretsUsed);
        Assert.DoesNotContain(Walk(pod).OfType<YamlScalarNode>(), n => n.Value == "FLEET_ADMIN_TOKEN");
        var parsed = CloudOptions.From(CommandArgs.Parse(Expand(render, args.Skip(1)).ToArray(), CloudOptions.BooleanOptions));
        Assert.NotNull(parsed.NodeCertificate);
        Assert.Equal(new[] { FleetCluster.RenderRole }, parsed.Roles);
        // The name each worker advertises resolves (subdomain + headless Service) and is what its certificate covers.
        Assert.Equal("$(POD_NAME).fleet-render.$(POD_NAMESPACE).svc.cluster.local", args[args.IndexOf("--host") + 1]);
        Assert.Equal("fleet-render", Scalar(At(pod, "subdomain")));
        var headless = Assert.Single(docs, d => Scalar(At(d, "kind")) == "Service" && Scalar(At(d, "metadata", "name")) == "fleet-render");
        Assert.Equal("None", Scalar(At(headless, "spec", "clusterIP")));
        Assert.Equal("true", Scalar(At(headless, "spec", "publishNotReadyAddresses")));
        Assert.Equal("fleet-render", Scalar(At(headless, "spec", "selector", "app.kubernetes.io/name")));
        Assert.Contains("--host '*.fleet-render.fleet.svc.cluster.local'", File.ReadAllText(DeployFiles.Path("k8s", "secrets.example.yaml")));
    }

    [Fact]
    public void The_secrets_example_has_every_secret_and_key_the_manifests_use()
    {
        var examples = YamlDocs(DeployFiles.Path("k8s", "secrets.example.yaml"))
            .ToDictionary(d => Scalar(At(d, "metadata", "name")), d => ((YamlMappingNode)At(d, "stringData")!).Children.Keys.Select(Scalar).ToHashSet());
        var used = new List<(string Secret, string Key)>();
        foreach (var doc in K8sDocuments().Select(d => d.Doc))
        {
            foreach (var m in Walk(doc).OfType<YamlMappingNode>())
                if (At(m, "secretKeyRef") is { } r) used.Add((Scalar(At(r, "name")), Scalar(At(r, "key"))));
            // A secret volume's keys are the files the container's arguments name under its mount path.
            var pod = Walk(doc).OfType<YamlMappingNode>().FirstOrDefault(m => At(m, "containers") is not null && At(m, "volumes") is not null);
            if (pod is null) continue;
            foreach (var volume in ((YamlSequenceNode)At(pod, "volumes")!).Children)
            {
                if (At(volume, "secret", "secretName") is not { } secretName) continue;
                Assert.Equal("0400", Scalar(At(volume, "secret", "defaultMode")));
                foreach (var c in ((YamlSequenceNode)At(pod, "containers")!).Children.Cast<YamlMappingNode>())
                {
                    var mount = ((YamlSequenceNode)At(c, "volumeMounts")!).Children.SingleOrDefault(m => Scalar(At(m, "name")) == Scalar(At(volume, "name")));
                    if (mount is null) continue;
                    var dir = Scalar(At(mount, "mountPath"));
                    var files = Args(c).Where(a => a.StartsWith(dir + "/", StringComparison.Ordinal)).Select(a => a[(dir.Length + 1)..]).ToList();
                    Assert.NotEmpty(files);
                    used.AddRange(files.Select(f => (Scalar(secretName), f)));
                }
            }
        }
        Assert.Contains(("fleet-render-cert", "node.key"), used);
        Assert.All(used.Distinct(), u => Assert.True(examples.TryGetValue(u.Secret, out var keys) && keys.Contains(u.Key),
            $"secrets.example.yaml lacks {u.Secret}/{u.Key}"));
    }

    [Fact]
    public void Pods_keep_the_modes_fleet_gives_its_files()
    {
        // fsGroup alone would have kubelet make every file on the data volume group-readable at each start.
        foreach (var pod in K8sDocuments().Select(d => d.Doc).Where(d => Scalar(At(d, "kind")) is "StatefulSet" or "Deployment")
                     .Select(d => At(d, "spec", "template", "spec")!).Where(p => Walk(p).OfType<YamlScalarNode>().Any(n => n.Value!.Contains("fleet-cloud:"))))
        {
            Assert.Equal("OnRootMismatch", Scalar(At(pod, "securityContext", "fsGroupChangePolicy")));
            Assert.Equal("true", Scalar(At(pod, "securityContext", "runAsNonRoot")));
        }
    }

    [Fact]
    public void The_systemd_unit_restarts_the_agent_with_known_flags_a_writable_data_folder_and_hardening()
    {
        var unit = IniLines(DeployFiles.Path("systemd", "fleet-edge.service"));
        string One(string key) => Assert.Single(unit, kv => kv.Key == key).Value;
        Assert.Equal("always", One("Restart"));
        Assert.True(int.Parse(One("RestartSec")) > 0);
        var exec = One("ExecStart").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("agent", exec[1]);
        var envArgs = IniLines(DeployFiles.Path("config", "fleet-edge.env")).Single(kv => kv.Key == "FLEET_EDGE_ARGS").Value.Split(' ');
        Assert.All(Flags(exec.Concat(envArgs)), f => Assert.Contains(f, EdgeOptions.KnownOptions));
        Assert.DoesNotContain("insecure-dev", Flags(exec.Concat(envArgs)));
        var data = exec[Array.IndexOf(exec, "--data") + 1];
        Assert.Equal("/var/lib/fleet-edge", data);
        Assert.Contains(data, One("ReadWritePaths").Split(' '));
        Assert.Equal(data, "/var/lib/" + One("StateDirectory"));
        foreach (var key in new[] { "NoNewPrivileges", "ProtectHome", "PrivateTmp", "ProtectKernelTunables" }) Assert.Equal("yes", One(key));
        Assert.Equal("strict", One("ProtectSystem"));
    }

    [Fact]
    public void Dockerfiles_are_multi_arch_on_the_aspnet_10_image_and_expose_fleet_ports_and_config_flags_exist()
    {
        foreach (var name in new[] { "cloud.Dockerfile", "edge.Dockerfile" })
        {
            var text = File.ReadAllText(DeployFiles.Path("docker", name));
            Assert.Contains("ARG TARGETARCH", text);
            Assert.Contains("-a $TARGETARCH", text);
            Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", text);
            foreach (var line in text.Split('\n').Where(l => l.StartsWith("EXPOSE ")))
                Assert.All(line[7..].Split(' ', StringSplitOptions.RemoveEmptyEntries), p => Assert.Contains(int.Parse(p), FleetPorts));
        }
        var cloudArgs = IniLines(DeployFiles.Path("config", "fleet-cloud.env")).Single(kv => kv.Key == "FLEET_CLOUD_ARGS").Value.Split(' ');
        Assert.All(Flags(cloudArgs), f => Assert.Contains(f, CloudOptions.KnownOptions));
    }

    [Fact]
    public async Task The_probe_endpoints_are_served_over_https_by_a_real_cloud_node_whose_data_files_are_private()
    {
        using var tmp = new TempDir();
        var data = tmp.Sub("cloud");
        var https = $"https://127.0.0.1:{Ports.Free()}";
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, data), data, secure: true,
            configure: o => o with { HttpUrl = https, Roles = new[] { FleetCluster.ControlRole, FleetCluster.RenderRole, FleetCluster.GatewayRole } });
        using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(
            File.ReadAllText(Fleet.Shared.Security.Pki.FleetCa.CertPathFor(CloudOptions.DefaultCaKeyPath(data))));
        var trust = new Fleet.Shared.Security.Pki.FleetTrust(ca);
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c is not null && trust.CheckNode(c) is null });
        var paths = FleetContainers().SelectMany(c => new[] { "readinessProbe", "livenessProbe" }
            .Select(p => Scalar(At(c.Container, p, "httpGet", "path")))).Distinct();
        foreach (var path in paths)
            await Eventually.Until(() => http.GetAsync(https + path), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(20), path);
        if (OperatingSystem.IsWindows()) return;
        foreach (var file in new[] { "fleet.db", Fleet.Cloud.Audit.CloudAudit.LogFile })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(System.IO.Path.Combine(data, file)));
    }

    private static List<string> Mounts(YamlMappingNode container) =>
        ((YamlSequenceNode)At(container, "volumeMounts")!).Children.Select(m => Scalar(At(m, "mountPath"))).ToList();

    private static IEnumerable<YamlMappingNode> YamlDocs(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(file);
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
    }

    /// <summary>Arguments with <c>$(VAR)</c> filled in as Kubernetes would, from sample values for the container's env.</summary>
    private static IEnumerable<string> Expand(YamlMappingNode container, IEnumerable<string> args)
    {
        var samples = new Dictionary<string, string>
        {
            ["POD_NAME"] = "fleet-cloud-0", ["POD_NAMESPACE"] = "fleet", ["POD_IP"] = "10.0.0.7", ["FLEET_DB"] = "Host=fleet-postgres;Database=fleet;Username=fleet",
        };
        var env = ((YamlSequenceNode?)At(container, "env"))?.Children.Select(e => Scalar(At(e, "name"))).ToHashSet() ?? new HashSet<string>();
        return args.Select(a => System.Text.RegularExpressions.Regex.Replace(a, @"\$\((\w+)\)", m =>
        {
            Assert.Contains(m.Groups[1].Value, env); // every variable an argument uses is defined for the container
            return samples[m.Groups[1].Value];
        }));
    }
}
