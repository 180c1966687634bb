using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fleet.Shared.IO;

/// <summary>A real <c>fleet-cloud</c> or <c>fleet-edge</c> process, with its output collected line by line.</summary>
public sealed class FleetProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private bool _disposed;

    private FleetProcess(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue("stderr: " + e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string CloudDll => Locate("FLEET_CLOUD_DLL", "fleet-cloud.dll");
    public static string EdgeDll => Locate("FLEET_EDGE_DLL", "fleet-edge.dll");
    public static string BenchDll => Locate("FLEET_BENCH_DLL", "fleet-bench.dll");

    public static FleetProcess Cloud(params string[] args) => new(CloudDll, args);
    public static FleetProcess Edge(params string[] args) => new(EdgeDll, args);
    public static FleetProcess Edge(IReadOnlyDictionary<string, string> environment, params string[] args) => new(EdgeDll, args, environment);

    public IReadOnlyList<string> Lines => _lines.ToArray();
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown hooks, no leaving the cluster — a crash.</summary>
    public void Crash() => _process.Kill(entireProcessTree: true);

    public int Pid => _process.Id;

    /// <summary>SIGKILL of this process alone: its children are left to whatever the agent arranged for them.</summary>
    public void CrashAlone()
    {
        if (!_process.HasExited) Process.Start("kill", ["-KILL", _process.Id.ToString()])!.WaitForExit();
    }

    /// <summary>SIGTERM: a clean stop.</summary>
    public void Terminate()
    {
        if (!_process.HasExited) Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
    }

    /// <summary>Runs a scenario over real processes; if it fails, the failure carries the last lines each process printed.</summary>
    public static async Task WithLogsOnFailureAsync(Func<Task> scenario, params (string Name, FleetProcess Process)[] processes)
    {
        try { await scenario(); }
        catch (Exception e)
        {
            var logs = processes.Select(p => $"--- {p.Name}, last {LogTail} lines:\n{string.Join('\n', p.Process.Lines.TakeLast(LogTail))}");
            throw new Exception($"{e.Message}\n{string.Join('\n', logs)}", e);
        }
    }

    private const int LogTail = 40;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited) { try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }
        _process.Dispose();
    }

    private static string Locate(string env, string file)
    {
        var path = Environment.GetEnvironmentVariable(env) is { Length: > 0 } p ? p : Path.Combine(AppContext.BaseDirectory, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{file} not found (set {env})", path);
    }
}
