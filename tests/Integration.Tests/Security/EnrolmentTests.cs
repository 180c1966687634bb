using Fleet.Shared.Devices;

namespace Fleet.Integration.Tests.Security;

/// <summary>Enrolment codes and bundles through the real CLI verbs, and revocation of an enrolled device.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EnrolmentTests
{
    [Fact]
    public async Task A_code_enrols_once_the_device_joins_and_a_revoked_device_is_refused_on_reconnect_with_its_record_kept()
    {
        using var tmp = new TempDir();
        using var fleet = await SecureFleet.StartAsync(tmp);
        var code = await fleet.IssueCodeAsync("kiosk-r", "15m");

        using var enrol = FleetProcess.Edge("enroll", "--code", code, "--api", fleet.Api, "--data", tmp.Sub("r"));
        Assert.Equal(0, await enrol.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(tmp.Sub("r"), "enrolment", "device.key")));

        using var reused = FleetProcess.Edge("enroll", "--code", code, "--api", fleet.Api, "--data", tmp.Sub("r2"));
        Assert.Equal(1, await reused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("enrolment refused: enrolment code is unknown or already used", Assert.Single(reused.Lines));
        Assert.False(Directory.Exists(Path.Combine(tmp.Sub("r2"), "enrolment")));

        using var agent = FleetProcess.Edge("agent", "--data", tmp.Sub("r"));
        var registered = await Eventually.Until(fleet.DevicesAsync, d => d.Any(v => v.DeviceId == "kiosk-r" && v.Connectivity == Connectivity.Up),
            TimeSpan.FromSeconds(40), "kiosk-r up");
        Assert.Equal("lisbon", registered.Single().Facts!.Tags["store"]);

        using var revoke = FleetProcess.Cloud("devices", "revoke", "kiosk-r", "--api", fleet.Api, "--data", fleet.CloudData);
        Assert.Equal(0, await revoke.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        // Its stream is closed at once with the reason, and the agent stops instead of retrying.
        Assert.Equal(3, await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(agent.Lines, l => l.Contains("refused by the cloud: device 'kiosk-r' is revoked"));
        // Started again, it is refused at the TLS handshake; the record stays for audit.
        using var again = FleetProcess.Edge("agent", "--data", tmp.Sub("r"));
        await Eventually.Until(() => Task.FromResult(fleet.Cloud.Lines), l => l.Any(x => x.Contains("gateway refused a TLS client") && x.Contains("device kiosk-r is revoked")),
            TimeSpan.FromSeconds(40), "the revoked device's reconnect refused");
        var kept = Assert.Single(await fleet.DevicesAsync());
        Assert.Equal("kiosk-r", kept.DeviceId);
        Assert.NotNull(kept.RevokedAt);
        Assert.Equal("lisbon", kept.Facts!.Tags["store"]);
        Assert.NotEqual(Connectivity.Up, (await Eventually.Until(fleet.DevicesAsync, d => d.Single().Connectivity != Connectivity.Up,
            TimeSpan.FromSeconds(30), "kiosk-r no longer up")).Single().Connectivity);
    }

    [Fact]
    public async Task An_expired_code_is_refused_and_a_bundle_enrols_a_device()
    {
        using var tmp = new TempDir();
        using var fleet = await SecureFleet.StartAsync(tmp);
        var code = await fleet.IssueCodeAsync("kiosk-late", "1s");
        await Task.Delay(TimeSpan.FromSeconds(2)); // real time must pass for the one-second code to expire
        using var late = FleetProcess.Edge("enroll", "--code", code, "--api", fleet.Api, "--data", tmp.Sub("late"));
        Assert.Equal(1, await late.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("enrolment refused: enrolment code expired at", Assert.Single(late.Lines));

        var bundle = tmp.Sub("kiosk-b.json");
        using var issue = FleetProcess.Cloud("enroll", "--device-id", "kiosk-b", "--out", bundle, "--seed", fleet.Seed, "--api", fleet.Api, "--data", fleet.CloudData);
        Assert.Equal(0, await issue.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(bundle));
        using var install = FleetProcess.Edge("enroll", "--bundle", bundle, "--data", tmp.Sub("b"));
        Assert.Equal(0, await install.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var agent = FleetProcess.Edge("agent", "--data", tmp.Sub("b"));
        await Eventually.Until(fleet.DevicesAsync, d => d.Any(v => v.DeviceId == "kiosk-b" && v.Connectivity == Connectivity.Up), TimeSpan.FromSeconds(40), "kiosk-b up");
    }
}
