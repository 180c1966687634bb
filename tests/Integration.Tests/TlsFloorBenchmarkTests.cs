using Fleet.Bench;

namespace Fleet.Integration.Tests;

/// <summary><c>fleet-bench tls</c>: its child process really connects, and the memory it reports grew with the connections.</summary>
[Collection(MetricsValuesCollection.Name)] // it measures this whole process's memory: nothing may run beside it
public sealed class TlsFloorBenchmarkTests
{
    [Fact]
    public async Task Idle_mutual_tls_connections_are_held_and_their_cost_per_connection_is_reported()
    {
        var progress = new List<string>();
        var r = await TlsFloorBenchmark.RunAsync(1000, progress.Add);

        Assert.Equal(1000, r.Connections);
        Assert.Contains("1000 of 1000 connected", string.Join('\n', progress));
        // Each server-side stream holds managed state and OpenSSL's; a measurement of nothing would be about zero.
        Assert.InRange(r.ManagedKbPerConnection, 1, 1000);
        Assert.InRange(r.KbPerConnection, r.ManagedKbPerConnection, 1000);
        Assert.True(r.RssAfterMb > r.RssBeforeMb);
    }
}
