using Fleet.Cloud.Hosting;
using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;
using YamlDotNet.RepresentationModel;
using static Fleet.Integration.Tests.Deploy.DeployFiles;

namespace Fleet.Integration.Tests.Deploy;

/// <summary>
/// The Kubernetes files keep the trust boundary: remoting for Fleet pods only, devices through the gateway from store
/// networks, render workers without the CA key, every referenced secret key in the example, file modes kept.
/// </summary>
public sealed class DeployTrustBoundaryTests
{
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
        var parsed = CloudOptions.Parse(Expand(cloud, args.Skip(1)).ToArray());
        Assert.Equal(new[] { FleetCluster.ControlRole, FleetCluster.RenderRole, FleetCluster.GatewayRole }, parsed.Roles);
        Assert.Equal(4443, parsed.GatewayPort);
        Assert.Contains(((YamlSequenceNode)At(cloud, "ports")!).Children, p => Scalar(At(p, "containerPort")) == "4443");
    }

    [Fact]
    public void Control_pods_share_the_key_secret_from_a_secret_file_and_render_workers_never_get_it()
    {
        var containers = FleetContainers().ToList();
        var (_, cloud) = containers.Single(c => Args(c.Container).Contains("--ca-key"));
        var parsed = CloudOptions.Parse(Expand(cloud, Args(cloud).Skip(1)).ToArray());
        Assert.Equal("/etc/fleet/keys/secret", parsed.KeySecretFile);
        Assert.Contains(((YamlSequenceNode)At(cloud, "volumeMounts")!).Children, m => Scalar(At(m, "mountPath")) == "/etc/fleet/keys");
        var statefulSet = Assert.Single(K8sDocuments().Select(d => d.Doc), d => Scalar(At(d, "kind")) == "StatefulSet" && Scalar(At(d, "metadata", "name")) == "fleet-cloud");
        Assert.Contains(((YamlSequenceNode)At(statefulSet, "spec", "template", "spec", "volumes")!).Children,
            v => Scalar(At(v, "secret", "secretName")) == "fleet-keys");
        foreach (var (_, other) in containers.Where(c => !ReferenceEquals(c.Container, cloud)))
        {
            Assert.DoesNotContain("--key-secret-file", Args(other));
            Assert.DoesNotContain(Walk(other).OfType<YamlScalarNode>(), n => n.Value is "FLEET_KEY_SECRET" or "fleet-keys");
        }
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
        var parsed = CloudOptions.Parse(Expand(render, args.Skip(1)).ToArray());
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
        var examples = YamlDocuments(DeployFiles.Path("k8s", "secrets.example.yaml"))
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
}
