using System.Net.Sockets;
using System.Text;

namespace Fleet.Integration.Tests.Deploy;

/// <summary>The agent speaks systemd's notify protocol as deploy/systemd/fleet-edge.service (Type=notify, WatchdogSec) expects.</summary>
public sealed class SystemdNotifyTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Under_systemd_the_agent_reports_ready_once_its_api_serves_pings_the_watchdog_and_says_when_it_stops()
    {
        using var tmp = new TempDir();
        var socketPath = Path.Combine(tmp.Path, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var http = Ports.Free();
        using var edge = FleetProcess.Edge(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "1000000" },
            "agent", "--insecure-dev", "--seed", $"127.0.0.1:{Ports.Free()}", "--http", $"{http}", "--data", tmp.Sub("e"));
        await FleetProcess.WithLogsOnFailureAsync(async () =>
        {
            Assert.Equal("READY=1", await ReceiveAsync(socket));
            using var client = new HttpClient();
            Assert.Equal("ok\n", await client.GetStringAsync($"http://127.0.0.1:{http}/healthz"));
            // WATCHDOG_USEC=1 s: a ping every half second while the actors answer.
            Assert.Equal("WATCHDOG=1", await ReceiveAsync(socket));
            Assert.Equal("WATCHDOG=1", await ReceiveAsync(socket));

            edge.Terminate();
            string state;
            do state = await ReceiveAsync(socket); while (state == "WATCHDOG=1");
            Assert.Equal("STOPPING=1", state);
            Assert.Equal(0, await edge.WaitForExitAsync(Within));
        }, ("edge", edge));
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(Within);
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
