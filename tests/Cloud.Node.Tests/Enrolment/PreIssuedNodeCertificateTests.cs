using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Fleet.Cloud.Cli;
using Fleet.Cloud.Enrolment;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;
using Fleet.Shared.Persistence;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Node.Tests.Enrolment;

/// <summary>
/// <c>ca issue-node</c> and <c>agent --node-cert</c>: a render worker runs with a certificate issued beforehand and the CA
/// certificate only; it may claim only the roles the certificate grants, and it cannot enrol devices.
/// </summary>
public sealed class PreIssuedNodeCertificateTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fleet-node-cert-" + Guid.NewGuid().ToString("N")[..8]);
    private string CaKey => Path.Combine(_dir, "ca", FleetCa.KeyFile);
    private string Out => Path.Combine(_dir, "render-1");

    public PreIssuedNodeCertificateTests() => FleetCa.Create(CaKey).Dispose();

    /// <summary>The verb as the program runs it, with a parse error thrown as the program reports it (exit 2).</summary>
    private static async Task<int> Ca(params string[] argv)
    {
        var parsed = CaVerb.Create().Parse(argv);
        if (parsed.Errors.Count > 0) throw new UsageException(parsed.Errors[0].Message);
        return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    private Task<int> IssueRender(params string[] hosts) =>
        Ca(new[] { "issue-node", "--name", "render-1", "--roles", "render", "--ca-key", CaKey, "--out", Out }
            .Concat(hosts.SelectMany(h => new[] { "--host", h })).ToArray());

    private CloudOptions Options(string roles, string host = "127.0.0.1", bool withFiles = true) => CloudOptions.Parse(
        new[] { "--data", Path.Combine(_dir, "data"), "--roles", roles, "--host", host }
            .Concat(withFiles ? new[] { "--node-cert", Path.Combine(Out, "node.crt"), "--node-key", Path.Combine(Out, "node.key"), "--ca-cert", Path.Combine(Out, "ca.crt") }
                : Array.Empty<string>()).ToArray());

    [Fact]
    public async Task Issue_node_writes_a_role_bearing_certificate_a_private_key_and_the_ca_certificate()
    {
        Assert.Equal(0, await IssueRender("*.fleet-render.fleet.svc.cluster.local", "127.0.0.1"));
        using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Out, "node.crt")));
        Assert.Equal(new[] { FleetCluster.RenderRole }, FleetCertificates.RolesOf(cert));
        Assert.Equal("render-1", FleetCertificates.NodeNameOf(cert));
        Assert.Contains("*.fleet-render.fleet.svc.cluster.local", FleetCertificates.HostNamesOf(cert));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Out, "node.key")));
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Out, "ca.crt")));
        Assert.Null(new FleetTrust(ca).CheckNode(cert));
        // Never overwritten: a node somewhere may run with it.
        Assert.Contains("already exists", (await Assert.ThrowsAsync<FleetException>(() => IssueRender())).Message);
        await Assert.ThrowsAsync<UsageException>(() => Ca("issue-node", "--name", "x", "--roles", "edge", "--ca-key", CaKey, "--out", Path.Combine(_dir, "x")));
        await Assert.ThrowsAsync<UsageException>(() => Ca("issue-node", "--name", "x", "--ca-key", CaKey, "--out", Path.Combine(_dir, "x")));
    }

    [Fact]
    public async Task A_node_with_a_pre_issued_certificate_holds_no_ca_key_and_refuses_to_enrol_devices_with_a_409()
    {
        await IssueRender("127.0.0.1");
        var pki = CloudPki.For(Options("render"))!;
        Assert.Null(pki.Ca);
        Assert.Equal(new[] { FleetCluster.RenderRole }, FleetCertificates.RolesOf(pki.NodeCertificate));
        Assert.True(pki.NodeCertificate.HasPrivateKey);
        var refusal = Assert.Throws<EnrolmentException>(() => pki.Issuer);
        Assert.Equal(409, refusal.Status);
        Assert.DoesNotContain('\n', refusal.Message);
        Assert.Contains("no fleet CA key", refusal.Message);
    }

    [Fact]
    public async Task A_node_may_not_start_with_roles_or_a_host_its_certificate_does_not_grant()
    {
        await IssueRender("127.0.0.1");
        var roles = Assert.Throws<FleetException>(() => CloudPki.For(Options("render,control")));
        Assert.Contains("grants roles render, not control", roles.Message);
        var host = Assert.Throws<FleetException>(() => CloudPki.For(Options("render", host: "10.1.2.3")));
        Assert.Contains("does not name --host 10.1.2.3", host.Message);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_or_a_device_certificate_is_refused_at_start()
    {
        await IssueRender("127.0.0.1");
        using (var other = FleetCa.Create(Path.Combine(_dir, "other", FleetCa.KeyFile)))
            File.WriteAllText(Path.Combine(Out, "ca.crt"), other.Certificate.ExportCertificatePem());
        Assert.Contains("not issued by the fleet CA", Assert.Throws<FleetException>(() => CloudPki.For(Options("render"))).Message);

        using var ca = FleetCa.Load(CaKey);
        File.WriteAllText(Path.Combine(Out, "ca.crt"), ca.Certificate.ExportCertificatePem());
        using var device = ca.IssueDeviceWithKey("kiosk-1", TimeSpan.FromDays(1));
        File.Delete(Path.Combine(Out, "node.key"));
        FleetCertificates.SavePair(device, Path.Combine(Out, "node.crt"), Path.Combine(Out, "node.key"));
        Assert.Contains("is not a node certificate", Assert.Throws<FleetException>(() => CloudPki.For(Options("render"))).Message);
    }

    [Fact]
    public void A_node_holding_the_ca_key_issues_itself_a_certificate_for_exactly_its_roles()
    {
        var o = CloudOptions.Parse(new[] { "--data", _dir, "--ca-key", CaKey, "--roles", "control,gateway", "--port", "4999" });
        var pki = CloudPki.For(o)!;
        Assert.NotNull(pki.Ca);
        Assert.Equal(new[] { "control", "gateway" }, FleetCertificates.RolesOf(pki.NodeCertificate).Order());
        Assert.Equal("127.0.0.1:4999", FleetCertificates.NodeNameOf(pki.NodeCertificate));
    }

    [Fact]
    public void Options_accept_the_gateway_role_and_port_and_the_certificate_files_only_together()
    {
        var o = CloudOptions.Parse(new[] { "--data", _dir, "--roles", "control,render,gateway", "--gateway-port", "4443" });
        Assert.Equal(new[] { "control", "render", "gateway" }, o.Roles);
        Assert.Equal(4443, o.GatewayPort);
        Assert.Null(o.NodeCertificate);
        Assert.Equal(4443, CloudOptions.Parse(new[] { "--data", _dir }).GatewayPort);
        Assert.Contains("cloud roles are control, render, gateway",
            Assert.Throws<UsageException>(() => CloudOptions.Parse(new[] { "--roles", "edge" })).Message);
        Assert.Throws<UsageException>(() => CloudOptions.Parse(new[] { "--gateway-port", "x" }));
        Assert.Contains("go together", Assert.Throws<UsageException>(() => CloudOptions.Parse(new[] { "--node-cert", "a.crt" })).Message);
        Assert.Contains("exclude each other", Assert.Throws<UsageException>(() => CloudOptions.Parse(
            new[] { "--node-cert", "a", "--node-key", "b", "--ca-cert", "c", "--ca-key", "d" })).Message);
        Assert.Equal(DbKind.Sqlite, o.Db.Kind);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
