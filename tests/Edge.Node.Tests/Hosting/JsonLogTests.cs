using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Fleet.Edge.Node.Tests.Hosting;

/// <summary>A real <c>fleet-edge agent --log-format json</c>: every stdout line, Akka's included, is one JSON object.</summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task Every_stdout_line_of_an_agent_logging_json_is_one_json_object()
    {
        var data = Directory.CreateTempSubdirectory("fleet-jsonlog-").FullName;
        var dll = Environment.GetEnvironmentVariable("FLEET_EDGE_DLL") is { Length: > 0 } d ? d : Path.Combine(AppContext.BaseDirectory, "fleet-edge.dll");
        var closedPort = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closedPort.Start();
        var seed = ((System.Net.IPEndPoint)closedPort.LocalEndpoint).Port;
        closedPort.Stop(); // nothing listens there: the device keeps trying to join, and logs it
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "agent", "--insecure-dev", "--seed", $"127.0.0.1:{seed}", "--device-id", "json-log", "--data", data, "--http", "0",
                     "--log-format", "json", "--log-level", "debug" })
            psi.ArgumentList.Add(a);
        psi.Environment.Remove("FLEET_LOG_FORMAT");
        var lines = new ConcurrentQueue<string>();
        using var agent = Process.Start(psi)!;
        agent.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        agent.ErrorDataReceived += (_, _) => { };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        try
        {
            // Fleet's own lines and Akka's (debug, so the local actor system has something to say) both arrive.
            for (var i = 0; i < 240 && !(lines.Any(l => l.Contains("join attempt", StringComparison.Ordinal)) && lines.Any(l => l.Contains("\"Category\":\"Akka", StringComparison.Ordinal))); i++)
            {
                if (agent.HasExited) Assert.Fail($"the agent exited early ({agent.ExitCode}): {string.Join('\n', lines)}");
                await Task.Delay(250);
            }
        }
        finally
        {
            agent.Kill(entireProcessTree: true);
            await agent.WaitForExitAsync();
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
        Assert.Contains(lines, l => l.Contains("join attempt", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"Category\":\"Akka", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line); // throws, naming the line, when it is not JSON
            var o = json.RootElement;
            Assert.True(o.TryGetProperty("Timestamp", out _) && o.TryGetProperty("LogLevel", out _) && o.TryGetProperty("Category", out _), line);
            // One timestamp per line: the message does not carry one of its own.
            Assert.DoesNotMatch(@"\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}[ T]\d{2}:\d{2}:\d{2}", o.GetProperty("Message").GetString() ?? "");
        }
    }
}
