using System.CommandLine;
using Fleet.Edge.Hosting;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge agent</c>: runs a device until SIGINT/SIGTERM.</summary>
public static class AgentVerb
{
    public static Command Create()
    {
        var command = new Command("agent", EdgeFlags.Description).WithDetails(EdgeFlags.Details);
        foreach (var option in EdgeFlags.All) command.Options.Add(option);
        command.SetAction((r, _) => RunAsync(EdgeOptions.From(r)));
        return command;
    }

    private static async Task<int> RunAsync(EdgeOptions o)
    {
        AgentLog.Use(o.Log);
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        NativeHeap.ReturnFreedMemory();
        return await EdgeAgent.RunAsync(o, await UsableEncodersAsync(), stop.Token);
    }

    /// <summary>Encoders proven by a real tiny encode, hardware first; none when ffmpeg is missing (the device still joins).</summary>
    private static async Task<IReadOnlyList<string>> UsableEncodersAsync()
    {
        try { return (await new EncoderProbe(new FfmpegRunner(null, TimeSpan.FromSeconds(20))).ProbeAsync()).Usable; }
        catch (FleetException e) { AgentLog.Write($"no usable encoder: {e.Message}"); return Array.Empty<string>(); }
    }
}
