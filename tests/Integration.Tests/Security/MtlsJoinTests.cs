using Fleet.Shared.Cluster;
using Fleet.Shared.Security.Pki;

namespace Fleet.Integration.Tests.Security;

/// <summary>Only devices with a certificate from this fleet's CA, for their own id, get in: real processes, real TLS on loopback.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MtlsJoinTests
{
    [Fact]
    public async Task An_enrolled_device_joins_with_mutual_tls_and_bad_certificates_cannot_join()
    {
        using var tmp = new TempDir();
        using var fleet = await SecureFleet.StartAsync(tmp);
        using var good = FleetProcess.Edge("agent", "--data", fleet.DeviceData("good", "kiosk-good", fleet.DeviceCert("kiosk-good")));
        await Eventually.Until(fleet.DevicesAsync, d => d.Any(v => v.DeviceId == "kiosk-good"), TimeSpan.FromSeconds(40), "kiosk-good registered");
        Assert.Contains(good.Lines, l => l.Contains("mutual TLS"));

        using var otherCa = FleetCa.Create(Path.Combine(tmp.Sub("other-ca"), FleetCa.KeyFile));
        var cases = new (string Name, Func<FleetProcess> Start, string CloudLine)[]
        {
            ("no certificate", () => FleetProcess.Edge("agent", "--insecure-dev", "--seed", fleet.Seed, "--device-id", "kiosk-plain", "--data", tmp.Sub("plain")),
                "due to TLS handshake failure"),
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
                TimeSpan.FromSeconds(30), $"the cloud's refusal of the {name} device");
            if (name != "no certificate") Assert.Contains(RemotingTls.RefusalLogPrefix, line);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(bad.Lines.Any(l => l.Contains("joined the fleet cluster")), $"the {name} device must not join");
            bad.Crash();
        }
        var devices = await fleet.DevicesAsync();
        Assert.Equal(new[] { "kiosk-good" }, devices.Select(d => d.DeviceId));
        Assert.False(good.HasExited);
    }

    [Fact]
    public async Task A_certificate_for_device_a_cannot_register_as_device_b()
    {
        using var tmp = new TempDir();
        using var fleet = await SecureFleet.StartAsync(tmp);
        using var a = FleetProcess.Edge("agent", "--data", fleet.DeviceData("a", "kiosk-a", fleet.DeviceCert("kiosk-a")));
        await Eventually.Until(fleet.DevicesAsync, d => d.Any(v => v.DeviceId == "kiosk-a"), TimeSpan.FromSeconds(40), "kiosk-a registered");
        var before = await fleet.DevicesAsync();

        using var impostor = FleetProcess.Edge("agent", "--data", fleet.DeviceData("b", "kiosk-b", fleet.DeviceCert("kiosk-a")));
        Assert.Equal(3, await impostor.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        Assert.Contains(impostor.Lines, l => l.Contains("refused by the cloud: certificate is for device kiosk-a, not kiosk-b"));
        Assert.Single(fleet.Cloud.Lines, l => l.Contains("refused registration of kiosk-b") && l.Contains("certificate is for device kiosk-a, not kiosk-b"));

        var after = await fleet.DevicesAsync();
        Assert.Equal(before.Select(d => (d.DeviceId, d.Facts!.InstallationId)), after.Select(d => (d.DeviceId, d.Facts!.InstallationId)));
        Assert.False(a.HasExited);
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
