using Fleet.Bench.Cli;
using Fleet.Shared.Cli;

// fleet-bench WHAT [options]: one verb per benchmark (BenchVerb) and the soak; the usage is the benchmarks' own.
if (args is [] or ["--help" or "-h" or "help"])
{
    Console.WriteLine(BenchVerb.Usage);
    return args.Length == 0 ? 2 : 0;
}
return await VerbDispatcher.RunAsync("fleet-bench", [.. BenchVerb.Verbs, TemplateBench.Verb, SoakVerb.Verb], args, """
    FLEET_CLOUD_DLL=PATH   the fleet-cloud.dll that the benchmarks and the soak start (when --cloud-dll is not given)
    FLEET_EDGE_DLL=PATH    the fleet-edge.dll that 'join', 'memory' and 'offline' start (default: the one beside fleet-bench)
    """);
