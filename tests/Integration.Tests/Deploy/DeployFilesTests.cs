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
            var parsed = CloudOptions.Parse(Expand(c, args.Skip(1)).ToArray());
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
        Assert.Equal("invisible", One("ProtectProc"));
        Assert.Equal("native", One("SystemCallArchitectures"));
        Assert.Equal("@system-service", One("SystemCallFilter"));
        // A refusal by the cloud is not retried forever; the agent's refusal exit code is the one the unit names.
        Assert.Contains(EdgeAgent.ExitRefused.ToString(System.Globalization.CultureInfo.InvariantCulture), One("RestartPreventExitStatus").Split(' '));
        // Type=notify: SystemdWatchdog sends READY=1 and WATCHDOG=1 (SystemdNotifyTests shows it on a real agent).
        Assert.Equal("notify", One("Type"));
        Assert.True(int.Parse(One("WatchdogSec")) >= 10);
    }

    [Fact]
    public void Every_pod_meets_the_restricted_pod_security_level_and_the_control_plane_survives_a_drain()
    {
        var docs = K8sDocuments().Select(d => d.Doc).ToList();
        var ns = Assert.Single(docs, d => Scalar(At(d, "kind")) == "Namespace");
        Assert.Equal("restricted", Scalar(At(ns, "metadata", "labels", "pod-security.kubernetes.io/enforce")));
        var pods = docs.Where(d => Scalar(At(d, "kind")) is "StatefulSet" or "Deployment").Select(d => At(d, "spec", "template", "spec")!).ToList();
        Assert.Equal(3, pods.Count);
        foreach (var pod in pods)
        {
            Assert.Equal("true", Scalar(At(pod, "securityContext", "runAsNonRoot")));
            Assert.NotEqual("0", Scalar(At(pod, "securityContext", "runAsUser")));
            Assert.Equal("RuntimeDefault", Scalar(At(pod, "securityContext", "seccompProfile", "type")));
            foreach (var c in ((YamlSequenceNode)At(pod, "containers")!).Children)
            {
                Assert.Equal("false", Scalar(At(c, "securityContext", "allowPrivilegeEscalation")));
                Assert.Equal(["ALL"], ((YamlSequenceNode)At(c, "securityContext", "capabilities", "drop")!).Children.Select(Scalar));
            }
        }
        var pdb = Assert.Single(docs, d => Scalar(At(d, "kind")) == "PodDisruptionBudget");
        Assert.Equal("fleet-cloud", Scalar(At(pdb, "spec", "selector", "matchLabels", "app.kubernetes.io/name")));
        Assert.Equal("2", Scalar(At(pdb, "spec", "minAvailable")));
        var control = Assert.Single(docs, d => Scalar(At(d, "kind")) == "StatefulSet" && Scalar(At(d, "metadata", "name")) == "fleet-cloud");
        var term = ((YamlSequenceNode)At(control, "spec", "template", "spec", "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution")!).Children.Single();
        Assert.Equal("kubernetes.io/hostname", Scalar(At(term, "podAffinityTerm", "topologyKey")));
        Assert.Equal("fleet-cloud", Scalar(At(term, "podAffinityTerm", "labelSelector", "matchLabels", "app.kubernetes.io/name")));
        var render = FleetContainers().Single(c => Args(c.Container).Contains("render")).Container;
        var capabilities = ((YamlSequenceNode)At(render, "env")!).Children.Single(e => Scalar(At(e, "name")) == "NVIDIA_DRIVER_CAPABILITIES");
        Assert.Contains("video", Scalar(At(capabilities, "value")).Split(','));
    }

    [Fact]
    public void Dockerfiles_are_multi_arch_on_the_aspnet_10_image_and_expose_fleet_ports_and_config_flags_exist()
    {
        foreach (var name in new[] { "cloud.Dockerfile", "edge.Dockerfile" })
        {
            var text = File.ReadAllText(DeployFiles.Path("docker", name));
            Assert.Contains("ARG TARGETARCH", text);
            Assert.Contains("-a $TARGETARCH", text);
            // Base images come from ARGs that deploy/docker/pin-base-images.sh pins by digest for a release.
            Assert.Contains("ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0", text);
            Assert.Contains("FROM ${RUNTIME_IMAGE}", text);
            // Packages restore from the project files before the sources are copied (a cached layer), and publish reuses them.
            Assert.True(text.IndexOf("dotnet restore", StringComparison.Ordinal) < text.IndexOf("COPY src/Shared/ ", StringComparison.Ordinal));
            Assert.Contains("--no-restore", text);
            Assert.DoesNotContain("COPY . .", text);
            // Both images render (the cloud's render workers too): ffmpeg and espeak-ng in the runtime stage; a HEALTHCHECK.
            var runtime = text[text.IndexOf("FROM ${RUNTIME_IMAGE}", StringComparison.Ordinal)..];
            Assert.Contains("ffmpeg", runtime);
            Assert.Contains("espeak-ng", runtime);
            Assert.Contains("HEALTHCHECK", runtime);
            foreach (var line in text.Split('\n').Where(l => l.StartsWith("EXPOSE ")))
                Assert.All(line[7..].Split(' ', StringSplitOptions.RemoveEmptyEntries), p => Assert.Contains(int.Parse(p), FleetPorts));
        }
        Assert.Contains("NVIDIA_DRIVER_CAPABILITIES=compute,video,utility", File.ReadAllText(DeployFiles.Path("docker", "cloud.Dockerfile")));
        var ignored = File.ReadAllLines(System.IO.Path.Combine(Root, ".dockerignore"));
        foreach (var entry in new[] { ".git", "**/bin/", "**/obj/", "tests/" }) Assert.Contains(entry, ignored);
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
}
