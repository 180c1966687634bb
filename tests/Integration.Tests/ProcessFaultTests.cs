using Fleet.Cloud.Api;
using Fleet.Shared.Devices;

namespace Fleet.Integration.Tests;

/// <summary>Faults seen from outside: real processes, SIGKILL, bad flags, unreachable peers.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class ProcessFaultTests
{
    [Fact]
    public async Task A_cloud_killed_with_sigkill_comes_back_with_every_device_and_devices_rejoin_by_themselves()
    {
        using var tmp = new TempDir();
        using var cloud = await CloudProcess.StartAsync(tmp.Sub("cloud"));
        using var e1 = FleetProcess.Edge("agent", "--insecure-dev", "--seed", cloud.Seed, "--device-id", "kiosk-1", "--data", tmp.Sub("e1"));
        using var e2 = FleetProcess.Edge("agent", "--insecure-dev", "--seed", cloud.Seed, "--device-id", "kiosk-2", "--data", tmp.Sub("e2"));
        async Task<List<DeviceReplies.DeviceView>> Devices() => (await cloud.GetAsync("/api/v1/devices")).As<List<DeviceReplies.DeviceView>>();

        await Eventually.Until(Devices, d => d.Count(v => v.Connectivity == Connectivity.Up) == 2, TimeSpan.FromSeconds(40), "2 devices up");

        await cloud.CrashAndRestartAsync();

        var back = await Eventually.Until(Devices, d => d.Count(v => v.Connectivity == Connectivity.Up) == 2, TimeSpan.FromSeconds(60),
            "both devices up again after the crash");
        Assert.Equal(new[] { "kiosk-1", "kiosk-2" }, back.Select(d => d.DeviceId).Order());
        Assert.False(e1.HasExited || e2.HasExited, "device agents must survive the cloud crash");
        // The registry marks a device up as it answers the registration; the device logs the answer a moment later.
        await Eventually.Until(() => Task.FromResult(e1.Lines), l => l.Any(x => x.Contains("registered as kiosk-1 (known device)")),
            TimeSpan.FromSeconds(10), "kiosk-1 re-registered as a known device");
    }

    [Fact]
    public async Task An_unreachable_database_is_one_clear_line_and_a_non_zero_exit()
    {
        using var tmp = new TempDir();
        using var p = FleetProcess.Cloud("agent", "--insecure-dev", "--data", tmp.Path, "--http", $"{Ports.Free()}", "--port", $"{Ports.Free()}",
            "--db", "postgres:Host=127.0.0.1;Port=1;Database=fleet;Username=x;Timeout=2");
        Assert.Equal(1, await p.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(p.Lines, l => l.StartsWith("stderr:"));
        Assert.Contains("database postgres:127.0.0.1:1/fleet is not reachable", line);
    }

    [Theory]
    [InlineData("mysql:whatever", "unknown database 'mysql'")]
    [InlineData("sqlite:", "must be sqlite:PATH or postgres:CONNSTR")]
    public async Task A_malformed_db_flag_is_a_usage_error(string db, string expected)
    {
        using var tmp = new TempDir();
        using var p = FleetProcess.Cloud("agent", "--insecure-dev", "--data", tmp.Path, "--db", db);
        Assert.Equal(2, await p.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(expected, Assert.Single(p.Lines));
    }

    [Fact]
    public async Task An_unreachable_seed_is_retried_with_backoff_and_one_line_per_attempt()
    {
        using var tmp = new TempDir();
        using var edge = FleetProcess.Edge("agent", "--insecure-dev", "--seed", $"127.0.0.1:{Ports.Free()}", "--data", tmp.Path);
        var lines = await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Count(x => x.Contains("join attempt")) >= 2,
            TimeSpan.FromSeconds(40), "two join attempts");
        Assert.False(edge.HasExited, "the agent keeps trying instead of exiting");
        var attempts = lines.Where(x => x.Contains("join attempt")).ToList();
        Assert.Contains("join attempt 1: no seed answered", attempts[0]);
        Assert.Contains("join attempt 2: no seed answered", attempts[1]);
        Assert.DoesNotContain(lines, l => l.Contains("Exception"));
    }

    [Fact]
    public async Task The_api_refuses_missing_and_wrong_tokens_with_a_json_error()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        using var http = new HttpClient();
        var none = await http.GetAsync(cloud.Options.HttpUrl + "/api/v1/devices");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("\"error\":\"missing bearer token\"", await none.Content.ReadAsStringAsync());

        using var wrong = new ApiClient(cloud.Options.HttpUrl, "not-the-token");
        var e = await Assert.ThrowsAsync<Fleet.Shared.Cli.FleetException>(() => wrong.GetAsync<object>("api/v1/devices"));
        Assert.StartsWith("401 Unauthorized: invalid bearer token", e.Message);
    }

    [Fact]
    public async Task The_devices_verb_prints_a_table_and_json_using_the_local_admin_token()
    {
        using var tmp = new TempDir();
        var (port, http) = (Ports.Free(), Ports.Free());
        using var cloud = FleetProcess.Cloud("agent", "--insecure-dev", "--port", $"{port}", "--http", $"{http}", "--data", tmp.Sub("cloud"));
        using var edge = FleetProcess.Edge("agent", "--insecure-dev", "--seed", $"127.0.0.1:{port}", "--device-id", "kiosk-cli", "--data", tmp.Sub("e"), "--tags", "store=porto");
        await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Any(x => x.Contains("registered as kiosk-cli")), TimeSpan.FromSeconds(40), "registration");
        if (!OperatingSystem.IsWindows())
            Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(tmp.Sub("cloud"), "admin.token")), 8));

        using var table = FleetProcess.Cloud("devices", "--api", $"http://127.0.0.1:{http}", "--data", tmp.Sub("cloud"));
        Assert.Equal(0, await table.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(table.Lines, l => l.StartsWith("kiosk-cli") && l.Contains(" up ") && l.Contains("store=porto"));

        using var json = FleetProcess.Cloud("devices", "show", "kiosk-cli", "--json", "--api", $"http://127.0.0.1:{http}", "--data", tmp.Sub("cloud"));
        Assert.Equal(0, await json.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(json.Lines, l => l.Contains("\"device_id\": \"kiosk-cli\""));

        using var missing = FleetProcess.Cloud("devices", "show", "nope", "--api", $"http://127.0.0.1:{http}", "--data", tmp.Sub("cloud"));
        Assert.Equal(1, await missing.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("404 NotFound: device 'nope' is not registered", Assert.Single(missing.Lines));
    }
}
