using Fleet.Bench.Cli;
using Fleet.Shared.Cli;

// fleet-bench WHAT [options]: one command per benchmark (BenchVerb), the template timing and the soak.
var root = FleetCli.Root("fleet-bench", "fleet-bench: Fleet's benchmarks (exit 1 when a budget is missed) and the soak",
    [.. BenchVerb.Create(), TemplateBench.Create(), SoakVerb.Create()], """
    FLEET_CLOUD_DLL=PATH   the fleet-cloud.dll that the benchmarks and the soak start (when --cloud-dll is not given)
    FLEET_EDGE_DLL=PATH    the fleet-edge.dll that 'join', 'memory' and 'offline' start (default: the one beside fleet-bench)
    """);
return await FleetCli.RunAsync("fleet-bench", root, args);
