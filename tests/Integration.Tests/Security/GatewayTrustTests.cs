using Fleet.Shared.Security.Pki;

namespace Fleet.Integration.Tests.Security;

/// <summary>
/// Only devices with a certificate from this fleet's CA, for their own id, get through the gateway, and no device gets
/// into the cluster: real processes, real TLS on loopback.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GatewayTrustTests
{
    [Fact]
    public async Task An_enrolled_device_connects_through_the_gateway_and_bad_certificates_are_refused_at_the_handshake()
    {
        using var tmp = new TempDir();
        using var fleet = await SecureFleet.StartAsync(tmp);
        using var good = FleetProcess.Edge("agent", "--data", fleet.DeviceData("good", "kiosk-good", fleet.DeviceCert("kiosk-good")));
        await Eventually.Until(fleet.DevicesAsync, d => d.Any(v => v.DeviceId == "kiosk-good" && v.Connectivity == Fleet.Shared.Devices.Connectivity.Up),
            TimeSpan.FromSeconds(40), "kiosk-good registered");
        await Eventually.Until(() => Task.FromResult(good.Lines), l => l.Any(x => x.Contains($"registered as kiosk-good through gateway {fleet.Gateway}")),
            TimeSpan.FromSeconds(10), "kiosk-good's own registration line");
        Assert.DoesNotContain(good.Lines, l => l.Contains("joined the fleet cluster"));

        using var otherCa = FleetCa.Create(Path.Combine(tmp.Sub("other-ca"), FleetCa.KeyFile));
        var cases = new (string Name, Func<FleetProcess> Start, string CloudLine)[]
        {
            ("self-signed", () => FleetProcess.Edge("agent", "--data", fleet.DeviceData("self", "kiosk-self", SecureFleet.SelfSigned("kiosk-self"))),
                "certificate device kiosk-self is self-signed, not issued by the fleet CA"),
            ("other CA", () => FleetProcess.Edge("agent", "--data",
                    fleet.DeviceData("foreign", "kiosk-foreign", otherCa.IssueDeviceWithKey("kiosk-foreign", TimeSpan.FromDays(1)), fleet.Ca.Certificate)),
                "certificate device kiosk-foreign (issuer"),
            ("expired", () => FleetProcess.Edge("agent", "--data",
                    fleet.DeviceData("expired", "kiosk-expired", fleet.Ca.IssueDeviceWithKey("kiosk-expired", TimeSpan.FromDays(1), DateTimeOffset.UtcNow.AddDays(-3)))),
                "certificate of device kiosk-expired expired at"),
        };
        foreach (var (name, start, cloudLine) in cases)
        {
            using var bad = start();
            var line = await Eventually.Until(() => Task.FromResult(fleet.Cloud.Lines.FirstOrDefault(l => l.Contains(cloudLine))), l => l is not null,
                TimeSpan.FromSeconds(30), $"the gateway's refusal of the {name} device");
            Assert.Contains("gateway refused a TLS client", line);
            // The device keeps trying (with backoff) and never gets a registration answer.
            await Eventually.Until(() => Task.FromResult(bad.Lines), l => l.Any(x => x.Contains("connection 1 to gateway")), TimeSpan.FromSeconds(30),
                $"the {name} device noticing the refusal");
            Assert.DoesNotContain(bad.Lines, l => l.Contains("registered as"));
            bad.Crash();
        }
        // A device without any certificate cannot join the cluster either (plain TCP against TLS remoting).
        using (var plain = FleetProcess.Edge("agent", "--insecure-dev", "--seed", fleet.Seed, "--device-id", "kiosk-plain", "--data", tmp.Sub("plain")))
        {
            await Eventually.Until(() => Task.FromResult(fleet.Cloud.Lines), l => l.Any(x => x.Contains("due to TLS handshake failure")),
                TimeSpan.FromSeconds(30), "the cloud's refusal of a device without a certificate");
            Assert.DoesNotContain(plain.Lines, l => l.Contains("joined the fleet cluster"));
            plain.Crash();
        }
        var devices = await fleet.DevicesAsync();
        Assert.Equal(new[] { "kiosk-good" }, devices.Select(d => d.DeviceId));
        Assert.False(good.HasExited);
    }

    [Fact]
    public async Task A_certificate_for_device_a_cannot_register_as_device_b_and_the_attempt_is_audited()
    {
        using var tmp = new TempDir();
        using var fleet = await SecureFleet.StartAsync(tmp);
        using var a = FleetProcess.Edge("agent", "--data", fleet.DeviceData("a", "kiosk-a", fleet.DeviceCert("kiosk-a")));
        await FleetProcess.WithLogsOnFailureAsync(() => Eventually.Until(fleet.DevicesAsync, d => d.Any(v => v.DeviceId == "kiosk-a"), TimeSpan.FromSeconds(40), "kiosk-a registered"),
            ("kiosk-a", a), ("cloud", fleet.Cloud));
        var before = await fleet.DevicesAsync();

        using var impostor = FleetProcess.Edge("agent", "--data", fleet.DeviceData("b", "kiosk-b", fleet.DeviceCert("kiosk-a")));
        Assert.Equal(3, await impostor.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        const string reason = "a registration naming device 'kiosk-b' arrived on the stream of device 'kiosk-a'";
        Assert.Contains(impostor.Lines, l => l.Contains($"refused by the cloud: {reason}"));
        Assert.Contains(fleet.Cloud.Lines, l => l.Contains("closing the stream of device kiosk-a") && l.Contains(reason));
        var audit = File.ReadAllLines(Path.Combine(fleet.CloudData, Fleet.Cloud.Audit.CloudAudit.LogFile));
        Assert.Contains(audit, l => l.Contains("gateway.frame-refused") && l.Contains(reason));

        var after = await fleet.DevicesAsync();
        Assert.Equal(before.Select(d => (d.DeviceId, d.Facts!.InstallationId)), after.Select(d => (d.DeviceId, d.Facts!.InstallationId)));
        Assert.False(a.HasExited);
    }

    [Fact]
    public async Task An_enrolled_device_cannot_ask_to_join_the_cluster_as_a_member()
    {
        using var tmp = new TempDir();
        using var fleet = await SecureFleet.StartAsync(tmp);
        using var member = FleetProcess.Edge("agent", "--join", "member", "--data", fleet.DeviceData("m", "kiosk-m", fleet.DeviceCert("kiosk-m")));
        Assert.Equal(2, await member.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("a device certificate can never make a cluster member", Assert.Single(member.Lines));
    }

    [Fact]
    public async Task The_agent_without_enrolment_or_insecure_dev_fails_with_one_line()
    {
        using var tmp = new TempDir();
        using var edge = FleetProcess.Edge("agent", "--seed", "127.0.0.1:4053", "--data", tmp.Path);
        Assert.Equal(1, await edge.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(edge.Lines);
        Assert.Contains("this device is not enrolled: run 'fleet-edge enroll --code CODE --api URL'", line);
        Assert.Contains("--insecure-dev", line);
    }

    [Fact]
    public async Task A_cloud_without_a_ca_or_insecure_dev_fails_with_one_line()
    {
        using var tmp = new TempDir();
        using var cloud = FleetProcess.Cloud("agent", "--data", tmp.Path, "--port", $"{Ports.Free()}", "--http", $"{Ports.Free()}");
        Assert.Equal(1, await cloud.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(cloud.Lines);
        Assert.Contains("no fleet CA at", line);
        Assert.Contains("fleet-cloud ca init", line);
    }
}
