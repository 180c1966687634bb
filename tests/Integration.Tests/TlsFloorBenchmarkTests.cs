using System.Text.Json;
using Fleet.Bench;

namespace Fleet.Integration.Tests;

/// <summary>
/// <c>fleet-bench tls</c> as a script runs it: its child process really connects, and the memory it reports per
/// connection grew with the connections. The benchmark runs as a process of its own, so its memory is its own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TlsFloorBenchmarkTests
{
    [Fact]
    public async Task Idle_mutual_tls_connections_are_held_and_their_cost_per_connection_is_reported()
    {
        var run = await ChildProcess.RunAsync("dotnet", FleetProcess.BenchDll, "tls", "--connections", "1000", "--json").WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.Err);

        var r = JsonDocument.Parse(run.Out).RootElement;
        Assert.Equal(1000, r.GetProperty("connections").GetInt32());
        // Each server-side stream holds managed state and OpenSSL's; a measurement of nothing would be about zero.
        var managed = r.GetProperty("managed_kb_per_connection").GetDouble();
        Assert.InRange(managed, 1, 1000);
        Assert.InRange(r.GetProperty("kb_per_connection").GetDouble(), managed, 1000);
    }
}
