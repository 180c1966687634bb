using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fleet.Shared.Devices;
using Fleet.Shared.IO;

namespace Fleet.Bench;

/// <summary>
/// Device join -> registered in the cloud, measured two ways: (1) a fresh <c>fleet-edge agent</c> process per sample,
/// timed from process start until the cloud's registry reports it up; (2) N devices started at once in this process.
/// </summary>
public static class JoinBenchmark
{
    public sealed record Result(bool Mtls, Stats ProcessStartToRegisteredMs, int Edges, double AllRegisteredSeconds, Stats InProcessRegisteredMs);

    public static async Task<Result> RunAsync(string cloudDll, int samples, int edges, Action<string> progress, bool mtls = false)
    {
        var root = Path.Combine(Path.GetTempPath(), "fleet-bench-join-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var cloud = await BenchCloud.StartAsync(cloudDll, Path.Combine(root, "cloud"), FreePort(), FreePort(), mtls);
            var perProcess = new List<double>();
            for (var i = 1; i <= samples; i++)
            {
                var ms = await TimeOneProcessAsync(cloud, $"bench-proc-{i}", Path.Combine(root, $"proc-{i}"));
                perProcess.Add(ms);
                progress($"process sample {i}/{samples}: {ms:0} ms");
            }
            var (all, each) = await TimeManyInProcessAsync(cloud, edges, root);
            progress($"{edges} in-process devices registered in {all:0.00} s");
            return new Result(mtls, Stats.Of(perProcess), edges, all, Stats.Of(each));
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<double> TimeOneProcessAsync(BenchCloud cloud, string deviceId, string dataDir)
    {
        cloud.Enrol(deviceId, dataDir);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        // An enrolled device connects to the gateway its bundle names; a development device joins as a member.
        var args = cloud.Mtls ? new[] { "agent", "--data", dataDir } : new[] { "agent", "--insecure-dev", "--seed", cloud.Seed, "--device-id", deviceId, "--data", dataDir };
        psi.ArgumentList.Add(FleetProcess.EdgeDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            while (sw.Elapsed < TimeSpan.FromSeconds(60))
            {
                var devices = await cloud.DevicesAsync();
                if (devices.Any(d => d.DeviceId == deviceId && d.Connectivity == Connectivity.Up)) return sw.Elapsed.TotalMilliseconds;
                await Task.Delay(25);
            }
            throw new Fleet.Shared.Cli.FleetException($"{deviceId} did not register within 60s");
        }
        finally
        {
            Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
            if (!p.WaitForExit(15_000)) p.Kill(entireProcessTree: true);
        }
    }

    private static async Task<(double AllSeconds, List<double> EachMs)> TimeManyInProcessAsync(BenchCloud cloud, int count, string root)
    {
        var sw = Stopwatch.StartNew();
        InProcessFleet.Enrol(cloud, count, root, "bench-mem-");
        await using var fleet = InProcessFleet.Start(cloud.Seed, count, root, "bench-mem-", insecureDev: !cloud.Mtls);
        var firstSeen = await InProcessFleet.WaitRegisteredAsync(cloud, "bench-mem-", count, TimeSpan.FromMinutes(2));
        return (sw.Elapsed.TotalSeconds, firstSeen.Values.ToList());
    }

    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
