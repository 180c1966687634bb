using Fleet.Edge.Hosting;
using Fleet.Shared.Cli;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge agent</c>: runs a device until SIGINT/SIGTERM.</summary>
public static class AgentVerb
{
    public static readonly Verb Verb = new("agent", "run a device: join the fleet, register, serve the local API", RunAsync);

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, EdgeOptions.BooleanOptions);
        if (a.Flag("help")) { Console.WriteLine(EdgeOptions.Usage); return 0; }
        var o = EdgeOptions.From(a);
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        return await EdgeAgent.RunAsync(o, Array.Empty<string>(), stop.Token);
    }
}
