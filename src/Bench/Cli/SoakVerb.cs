using Fleet.Bench.Soak;
using Fleet.Shared.Cli;

namespace Fleet.Bench.Cli;

/// <summary><c>fleet-bench soak</c>: the fleet under faults for N minutes, then its invariants (exit 1 on any breach).</summary>
public static class SoakVerb
{
    public static readonly Verb Verb = new("soak", "three control nodes, PostgreSQL and devices under faults for N minutes; exit 1 on any broken invariant", RunAsync);

    private const string Usage = """
        usage: fleet-bench soak [--minutes 2] [--devices 3] [--seed 1] [--json] [--pg CONNSTRING] [--cloud-dll PATH]
                               [--campaign samples/summer-sale] [--inject-breach]
          Starts three control nodes (fleet-cloud agent, every role, mutual TLS, a device gateway each) on one PostgreSQL
          (--pg or FLEET_TEST_PG; a fresh database on it, reached through a proxy the soak can cut) and --devices enrolled
          devices connecting through all three gateways, each rendering every 2 s through its local API. For --minutes:
          a fault injector SIGKILLs and restarts control nodes (each also a render worker and a gateway) and devices, and
          cuts the database for 3-8 s; an operator script publishes and rolls out campaign versions, engages and
          releases kills, rotates the signing keys and asks for cloud renders. The schedule is drawn from --seed.
          Then it checks, and prints each breach as one line (exit 1 on any):
            - every render a device confirmed is in the cloud's telemetry exactly once;
            - every kill was acknowledged by every device that was up for the 30 s after it;
            - every rollout ended (completed, aborted, rolled back) with every cohort device in an end state;
            - every accepted render job finished, once;
            - the cloud's audit chain and every device's verify;
            - every killed process came back.
          --json: the summary as JSON on stdout (progress lines go to stderr).
          --inject-breach: debug; counts one render no device made, to show that the render check fails.
          ./fleet soak starts a throwaway PostgreSQL and passes the built fleet-cloud.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, "inject-breach");
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        a.RejectUnknown("minutes", "devices", "seed", "pg", "cloud-dll", "campaign", "inject-breach");
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected '{string.Join(' ', a.Positionals)}'");
        var minutes = a.Get("minutes", "2");
        if (!double.TryParse(minutes, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var m) || m is <= 0 or > 24 * 60)
            throw new UsageException($"--minutes must be a number of minutes above 0 (got '{minutes}')");
        var cloudDll = a.Get("cloud-dll") ?? Environment.GetEnvironmentVariable("FLEET_CLOUD_DLL")
                       ?? throw new UsageException("where is fleet-cloud? pass --cloud-dll PATH or run ./fleet soak");
        var pg = a.Get("pg") ?? Environment.GetEnvironmentVariable("FLEET_TEST_PG")
                 ?? throw new UsageException("which PostgreSQL? pass --pg 'Host=…;Port=…;Username=…' or run ./fleet soak (it starts one)");
        var campaign = Path.GetFullPath(a.Get("campaign", "samples/summer-sale"));
        if (!File.Exists(Path.Combine(campaign, "campaign.json"))) throw new FleetException($"no campaign.json in {campaign} (pass --campaign DIR)");
        return await SoakRun.RunAsync(new SoakRun.Options(m, a.GetInt("devices", 3, 1, 50), a.GetInt("seed", 1), a.Flag("json"), cloudDll, pg, campaign, a.Flag("inject-breach")));
    }
}
