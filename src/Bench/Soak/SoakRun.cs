using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Bench.Soak;

/// <summary>
/// <c>fleet-bench soak</c>: three control nodes on one PostgreSQL and enrolled devices rendering and reporting, while
/// the <see cref="FaultInjector"/> kills processes and cuts the database and the <see cref="OperatorScript"/> publishes,
/// rolls out, kills and rotates keys; then the <see cref="Invariants"/> are judged. Exit 1 on any breach.
/// </summary>
public static class SoakRun
{
    /// <param name="Postgres">A PostgreSQL server the soak may create a database on (<c>Host=…;Port=…;Username=…</c>).</param>
    /// <param name="InjectBreach">Debug: count one render that no device made, to show the render check fails.</param>
    public sealed record Options(double Minutes, int Devices, int Seed, bool Json, string CloudDll, string Postgres, string CampaignDir, bool InjectBreach);

    public sealed record Summary(int Seed, double Minutes, int Devices, IReadOnlyDictionary<string, int> Faults, IReadOnlyDictionary<string, int> Operations,
        IReadOnlyList<InvariantResult> Invariants, bool Passed, string? KeptAt);

    private static readonly TimeSpan RenderEvery = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(Options o)
    {
        var log = new SoakLog(toStderr: o.Json);
        var root = Path.Combine(Path.GetTempPath(), $"fleet-soak-{o.Seed}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(root);
        if (File.Exists(Path.Combine(o.CampaignDir, "make-assets.sh"))) await ChildProcess.CheckedAsync("bash", Path.Combine(o.CampaignDir, "make-assets.sh"));
        var database = await FreshDatabaseAsync(o.Postgres, o.Seed);
        log.Line("setup", $"seed {o.Seed}, {o.Minutes:0.#} min, {o.Devices} devices; data in {root}");
        await using var cluster = await SoakCluster.StartAsync(root, o.CloudDll, database);
        log.Line("setup", $"{SoakCluster.Nodes} control nodes up (control, render, gateway; each with its own data folder), database through a cutter on :{cluster.Database.Port}");
        var devices = SoakDevice.Enrol(cluster, root, o.Devices);
        try
        {
            foreach (var d in devices) d.Start();
            await WaitRegisteredAsync(cluster, devices);
            log.Line("setup", $"{devices.Count} devices enrolled (mutual TLS), each connecting through all {SoakCluster.Nodes} gateways");
            var random = new Random(o.Seed);
            var invariants = new Invariants(cluster, devices, o.CloudDll);
            var start = DateTimeOffset.UtcNow;
            var killChecks = new List<Task<IReadOnlyList<string>>>();
            var ops = new OperatorScript(cluster, devices, o.CloudDll, o.CampaignDir, root, new Random(random.Next()), log)
            {
                OnKill = k => { lock (killChecks) killChecks.Add(invariants.KillAcknowledgedAsync(k, start)); },
            };
            await ops.SetUpAsync();

            var faults = new FaultInjector(cluster, devices, new Random(random.Next()), log);
            using var until = new CancellationTokenSource(TimeSpan.FromMinutes(o.Minutes));
            await Task.WhenAll(faults.RunAsync(until.Token), ops.RunAsync(until.Token), RenderAsync(devices, until.Token));
            log.Line("end", "faults and operator stopped; settling");
            await ops.FinishAsync();
            if (o.InjectBreach) { devices[0].Counted++; log.Line("end", $"--inject-breach: {devices[0].Id} counts one render it never made"); }

            List<Task<IReadOnlyList<string>>> pending;
            lock (killChecks) pending = killChecks.ToList();
            var killBreaches = await Task.WhenAll(pending);
            var results = new List<InvariantResult>
            {
                await invariants.RendersAsync(),
                new("every kill acknowledged by every device up " + Invariants.KillWindowText + " after it", $"{ops.Kills.Count} kills", killBreaches.SelectMany(b => b).ToList()),
                await invariants.RolloutsAsync(ops.Rollouts),
                await invariants.RenderJobsAsync(ops.RenderJobs),
                await invariants.AuditChainsAsync(),
                new("every killed process came back", $"{faults.Restarts} restarts", faults.Breaches),
            };
            var passed = results.All(r => r.Holds);
            var summary = new Summary(o.Seed, o.Minutes, devices.Count, faults.Counts, ops.Counts, results, passed, passed ? null : root);
            Print(summary, o.Json);
            if (!passed) return 1;
        }
        catch
        {
            log.Line("end", $"the soak itself failed; its data folders are kept in {root}");
            throw;
        }
        finally
        {
            foreach (var d in devices) d.Stop();
            await cluster.DisposeAsync();
        }
        // Only a passing run is cleaned up: a breach's data folders and logs are evidence.
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        return 0;
    }

    /// <summary>Each device renders every 2 s while the soak runs (a device that is down is skipped).</summary>
    private static Task RenderAsync(IReadOnlyList<SoakDevice> devices, CancellationToken until) => Task.WhenAll(devices.Select(async d =>
    {
        while (!until.IsCancellationRequested)
        {
            await d.RenderAsync();
            try { await Task.Delay(RenderEvery, until); } catch (OperationCanceledException) { }
        }
    }));

    private static async Task WaitRegisteredAsync(SoakCluster cluster, IReadOnlyList<SoakDevice> devices)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var registered = await cluster.CallAsync("devices", n => n.Api.DevicesAsync());
            var missing = devices.Select(d => d.Id).Except(registered.Select(r => r.DeviceId)).ToList();
            if (missing.Count == 0) return;
            if (DateTime.UtcNow > deadline)
                throw new FleetException($"devices not registered within 3 minutes: {string.Join(", ", missing)} (last lines: {string.Join(" | ", devices.First(d => missing.Contains(d.Id)).LastLines.TakeLast(3))})");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>A database of its own on the given server, so a soak never meets an earlier run's state.</summary>
    private static async Task<string> FreshDatabaseAsync(string postgres, int seed)
    {
        var name = $"fleet_soak_{seed}_{Guid.NewGuid().ToString("N")[..8]}";
        await using (var admin = new Npgsql.NpgsqlConnection(postgres))
        {
            await admin.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new Npgsql.NpgsqlConnectionStringBuilder(postgres) { Database = name }.ConnectionString;
    }

    private static void Print(Summary s, bool json)
    {
        if (json) { Console.WriteLine(JsonSerializer.Serialize(s, FleetJson.Indented)); return; }
        Console.WriteLine();
        Console.WriteLine($"soak: seed {s.Seed}, {s.Minutes:0.#} min, {s.Devices} devices; faults {string.Join(", ", s.Faults.Select(f => $"{f.Key} {f.Value}"))}");
        Console.WriteLine($"operator: {string.Join(", ", s.Operations.Select(f => $"{f.Key} {f.Value}"))}");
        var width = s.Invariants.Max(i => i.Name.Length);
        var checkedWidth = s.Invariants.Max(i => i.Checked.Length);
        Console.WriteLine($"{"INVARIANT".PadRight(width)}  {"CHECKED".PadRight(checkedWidth)}  RESULT");
        foreach (var i in s.Invariants)
            Console.WriteLine($"{i.Name.PadRight(width)}  {i.Checked.PadRight(checkedWidth)}  {(i.Holds ? "ok" : $"BREACHED ({i.Breaches.Count})")}");
        foreach (var b in s.Invariants.SelectMany(i => i.Breaches)) Console.Error.WriteLine($"breach: {b}");
        Console.WriteLine(s.Passed ? "soak passed" : $"soak FAILED; its data folders are kept in {s.KeptAt}");
    }
}
