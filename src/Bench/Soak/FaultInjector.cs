namespace Fleet.Bench.Soak;

/// <summary>
/// The soak's faults, one at a time on a schedule drawn from the seed: SIGKILL a control node (which is also a render
/// worker and a gateway) or a device and start it again seconds later, or cut the database off for seconds. Every
/// fault is undone before the next; a process that does not come back is a breach of availability.
/// </summary>
public sealed class FaultInjector(SoakCluster cluster, IReadOnlyList<SoakDevice> devices, Random random, SoakLog log)
{
    private const int RestartTries = 3;

    public Dictionary<string, int> Counts { get; } = new() { ["node-kill"] = 0, ["device-kill"] = 0, ["db-cut"] = 0 };
    public List<string> Breaches { get; } = new();
    public int Restarts { get; private set; }

    public async Task RunAsync(CancellationToken until)
    {
        while (true)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(random.Next(8, 16)), until); }
            catch (OperationCanceledException) { return; }
            // Once begun, a fault is seen through to its end (the process back, the database reachable) even past the deadline.
            switch (random.Next(3))
            {
                case 0: await KillNodeAsync(cluster.All[random.Next(cluster.All.Count)], TimeSpan.FromSeconds(random.Next(3, 9))); break;
                case 1: await KillDeviceAsync(devices[random.Next(devices.Count)], TimeSpan.FromSeconds(random.Next(2, 7))); break;
                default: await CutDatabaseAsync(TimeSpan.FromSeconds(random.Next(3, 9))); break;
            }
        }
    }

    private async Task KillNodeAsync(SoakNode node, TimeSpan down)
    {
        if (node.Cloud is null) return;
        Counts["node-kill"]++;
        log.Line("fault", $"SIGKILL {node.Name} (control node, render worker, gateway :{node.GatewayPort}); down for {down.TotalSeconds:0} s");
        node.Crash();
        await Task.Delay(down);
        for (var attempt = 1; ; attempt++)
        {
            var started = log.Elapsed;
            try
            {
                await cluster.RestartAsync(node);
                Restarts++;
                log.Line("fault", $"{node.Name} back (ready {(log.Elapsed - started).TotalSeconds:0.0} s after its start)");
                return;
            }
            catch (Exception e) when (e is Shared.Cli.FleetException or HttpRequestException)
            {
                log.Line("fault", $"{node.Name} did not start (try {attempt}/{RestartTries}): {e.Message}");
                if (attempt == RestartTries) { Breaches.Add($"{node.Name} did not come back after a SIGKILL ({RestartTries} starts): {e.Message}"); return; }
                await Task.Delay(TimeSpan.FromSeconds(5));
            }
        }
    }

    private async Task KillDeviceAsync(SoakDevice device, TimeSpan down)
    {
        if (!device.IsUp) return;
        Counts["device-kill"]++;
        log.Line("fault", $"SIGKILL device {device.Id}; down for {down.TotalSeconds:0} s");
        await device.CrashAsync();
        await Task.Delay(down);
        device.Start();
        Restarts++;
        log.Line("fault", $"device {device.Id} started again");
    }

    private async Task CutDatabaseAsync(TimeSpan length)
    {
        Counts["db-cut"]++;
        log.Line("fault", $"database cut: every connection dropped, new ones refused for {length.TotalSeconds:0} s");
        await cluster.Database.CutAsync(length, CancellationToken.None);
        log.Line("fault", "database reachable again");
    }
}
