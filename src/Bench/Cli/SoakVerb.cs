using System.CommandLine;
using Fleet.Bench.Soak;
using Fleet.Shared.Cli;

namespace Fleet.Bench.Cli;

/// <summary><c>fleet-bench soak</c>: the fleet under faults for N minutes, then its invariants (exit 1 on any breach).</summary>
public static class SoakVerb
{
    public static Command Create()
    {
        var minutes = CliOption.Text("--minutes", "2", "how long the faults run, in minutes (a fraction is fine)", "N");
        var devices = CliOption.Int("--devices", 3, "enrolled devices", 1, 50);
        var seed = CliOption.Int("--seed", 1, "draws the fault and operator schedule");
        var pg = CliOption.Text("--pg", "the PostgreSQL server to create the soak's database on (default: FLEET_TEST_PG)", "CONNSTRING");
        var cloudDll = CliOption.Text("--cloud-dll", "the fleet-cloud.dll the control nodes run (default: FLEET_CLOUD_DLL)", "PATH");
        var campaign = CliOption.Text("--campaign", "samples/summer-sale", "the campaign the operator script publishes", "DIR");
        var injectBreach = CliOption.Flag("--inject-breach", "debug: count one render no device made, to show that the render check fails");
        var command = new Command("soak", "three control nodes, PostgreSQL and devices under faults for N minutes; exit 1 on any broken invariant")
            {
                minutes, devices, seed, pg, cloudDll, campaign, injectBreach,
            }
            .WithDetails("""
                Starts three control nodes (fleet-cloud agent, every role, mutual TLS, a device gateway each) on one PostgreSQL
                (a fresh database on it, reached through a proxy the soak can cut) and --devices enrolled devices connecting
                through all three gateways, each rendering every 2 s through its local API. For --minutes: a fault injector
                SIGKILLs and restarts control nodes (each also a render worker and a gateway) and devices, and cuts the
                database for 3-8 s; an operator script publishes and rolls out campaign versions, engages and releases
                kills, rotates the signing keys and asks for cloud renders. The schedule is drawn from --seed.
                Then it checks, and prints each breach as one line (exit 1 on any):
                  - every render a device confirmed is in the cloud's telemetry exactly once;
                  - every kill was acknowledged by every device that was up for the 30 s after it;
                  - every rollout ended (completed, aborted, rolled back) with every cohort device in an end state;
                  - every accepted render job finished, once;
                  - the cloud's audit chain and every device's verify;
                  - every killed process came back.
                --json: the summary as JSON on stdout (progress lines go to stderr).
                ./fleet soak starts a throwaway PostgreSQL and passes the built fleet-cloud.
                """);
        command.SetAction((r, _) => RunAsync(r.GetValue(minutes)!, r.GetValue(devices), r.GetValue(seed), r.GetValue(pg), r.GetValue(cloudDll),
            r.GetValue(campaign)!, r.GetValue(injectBreach), r.GetValue(FleetCli.Json)));
        return command;
    }

    private static async Task<int> RunAsync(string minutes, int devices, int seed, string? pg, string? cloudDll, string campaign, bool injectBreach, bool json)
    {
        if (!double.TryParse(minutes, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var m) || m is <= 0 or > 24 * 60)
            throw new UsageException($"--minutes must be a number of minutes above 0 (got '{minutes}')");
        cloudDll ??= Environment.GetEnvironmentVariable("FLEET_CLOUD_DLL")
                     ?? throw new UsageException("where is fleet-cloud? pass --cloud-dll PATH or run ./fleet soak");
        pg ??= Environment.GetEnvironmentVariable("FLEET_TEST_PG")
               ?? throw new UsageException("which PostgreSQL? pass --pg 'Host=…;Port=…;Username=…' or run ./fleet soak (it starts one)");
        var folder = Path.GetFullPath(campaign);
        if (!File.Exists(Path.Combine(folder, "campaign.json"))) throw new FleetException($"no campaign.json in {folder} (pass --campaign DIR)");
        return await SoakRun.RunAsync(new SoakRun.Options(m, devices, seed, json, cloudDll, pg, folder, injectBreach));
    }
}
