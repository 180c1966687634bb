using System.Net;
using System.Security.Cryptography.X509Certificates;
using Akka.Hosting;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Enrolment;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Security.Pki;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Integration.Tests.Security;

/// <summary>
/// Real cloud nodes with mutual TLS: a render worker running with a pre-issued render certificate (no CA key) joins a
/// control node, passes member attestation and stays; it cannot enrol devices.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PreIssuedNodeCertificateTests
{
    [Fact]
    public async Task A_render_worker_with_a_pre_issued_certificate_is_attested_and_stays_and_cannot_enrol_devices()
    {
        using var tmp = new TempDir();
        await using var control = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Sub("control")), tmp.Sub("control"),
            secure: true, configure: o => o with { Roles = new[] { FleetCluster.ControlRole } });

        var certs = tmp.Sub("render-cert");
        using (var ca = FleetCa.Load(CloudOptions.DefaultCaKeyPath(tmp.Sub("control"))))
        using (var cert = ca.IssueNode("render-1", new[] { FleetCluster.RenderRole }, new[] { "127.0.0.1" }, TimeSpan.FromDays(1)))
        {
            FleetCertificates.SavePair(cert, Path.Combine(certs, "node.crt"), Path.Combine(certs, "node.key"));
            File.WriteAllText(Path.Combine(certs, "ca.crt"), ca.Certificate.ExportCertificatePem());
        }
        await using var render = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Sub("render")), tmp.Sub("render"),
            seeds: new[] { control.Seed }, configure: o => o with
            {
                InsecureDev = false,
                Roles = new[] { FleetCluster.RenderRole },
                NodeCertificate = new NodeCertificateFiles(Path.Combine(certs, "node.crt"), Path.Combine(certs, "node.key"), Path.Combine(certs, "ca.crt")),
            });
        Assert.False(File.Exists(CloudOptions.DefaultCaKeyPath(tmp.Sub("render"))));

        var renderAddress = Akka.Cluster.Cluster.Get(render.System).SelfAddress;
        await Eventually.Until(() => Task.FromResult(Akka.Cluster.Cluster.Get(control.System).State.Members
                .Count(m => m.Status == Akka.Cluster.MemberStatus.Up)), n => n == 2, TimeSpan.FromSeconds(40), "render worker Up on the control node");
        // Past the attestation deadline, each node has checked the other and both are still members. A deliberate quiet
        // period: the render node may attest the control node before StartAsync returns, too early to subscribe to its MemberAttested.
        await Task.Delay(RemotingTls.DefaultAttestationTimeout + TimeSpan.FromSeconds(2));
        Assert.Contains(Akka.Cluster.Cluster.Get(control.System).State.Members, m => m.Address == renderAddress && m.Status == Akka.Cluster.MemberStatus.Up);
        Assert.Equal(2, Akka.Cluster.Cluster.Get(render.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up));
        Assert.DoesNotContain(MemberRefusalAudit.Action, File.ReadAllText(Path.Combine(tmp.Sub("control"), CloudAudit.LogFile)));

        var enrol = await render.PostJsonAsync("/api/v1/enrolments", new { device_id = "kiosk-1" });
        Assert.Equal(HttpStatusCode.Conflict, enrol.Status);
        Assert.Contains("no fleet CA key", enrol.Error);
        Assert.DoesNotContain('\n', enrol.Error!);
        var caPem = await render.GetAsync("/enrolment/v1/ca", token: null);
        Assert.Equal(HttpStatusCode.OK, caPem.Status);
        Assert.Contains("BEGIN CERTIFICATE", caPem.Body);

        // The same render certificate in a node that claims control as well (built outside fleet-cloud, which would
        // refuse to start): the control node downs it and audits why.
        using var liar = await StartRawNodeAsync(FleetCertificates.LoadPair(Path.Combine(certs, "node.crt"), Path.Combine(certs, "node.key")),
            Path.Combine(certs, "ca.crt"), control.Options.Port, FleetCluster.RenderRole, FleetCluster.ControlRole);
        var liarAddress = Akka.Cluster.Cluster.Get(liar.Services.GetRequiredService<Akka.Actor.ActorSystem>()).SelfAddress;
        var auditLog = Path.Combine(tmp.Sub("control"), CloudAudit.LogFile);
        var line = await Eventually.Until(() => Task.FromResult(File.ReadAllLines(auditLog).FirstOrDefault(l => l.Contains(MemberRefusalAudit.Action))),
            l => l is not null, TimeSpan.FromSeconds(40), "the control node's audit entry for the liar");
        Assert.Contains(liarAddress.ToString(), line);
        Assert.Contains("claims role(s) control", line);
        await Eventually.Until(() => Task.FromResult(Akka.Cluster.Cluster.Get(control.System).State.Members.Any(m => m.Address == liarAddress)),
            present => !present, TimeSpan.FromSeconds(30), "the liar removed");
        Assert.Contains(Akka.Cluster.Cluster.Get(control.System).State.Members, m => m.Address == renderAddress && m.Status == Akka.Cluster.MemberStatus.Up);
    }

    private static async Task<IHost> StartRawNodeAsync(X509Certificate2 cert, string caCertPath, int seedPort, params string[] roles)
    {
        var settings = new NodeSettings
        {
            Port = Ports.Free(),
            Roles = roles,
            SeedNodes = new[] { $"akka.tcp://{FleetCluster.SystemName}@127.0.0.1:{seedPort}" },
            Tls = new RemotingTls(cert, new FleetTrust(X509Certificate2.CreateFromPem(File.ReadAllText(caCertPath)))),
            LogLevel = "ERROR",
        };
        var host = Host.CreateDefaultBuilder().ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddAkka(FleetCluster.SystemName, b => b.WithFleetNode(settings))).Build();
        await host.StartAsync();
        return host;
    }
}
