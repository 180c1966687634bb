using System.Net.Sockets;
using System.Text;
using Akka.Actor;

namespace Fleet.Edge.Hosting;

/// <summary>
/// The systemd notify protocol for <c>Type=notify</c> units (deploy/systemd/fleet-edge.service): READY=1 once the local
/// API serves, WATCHDOG=1 every half <c>WATCHDOG_USEC</c> while the device's actors still answer, STOPPING=1 on the way
/// out. A hung agent stops pinging and systemd restarts it. Without <c>NOTIFY_SOCKET</c> (not under systemd) it does nothing.
/// </summary>
public sealed class SystemdWatchdog(ActorSystem system, IHostApplicationLifetime lifetime) : BackgroundService
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is not { Length: > 0 } socketPath) return;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        // A leading '@' names a socket in the abstract namespace (systemd's default), spelled with a NUL byte.
        var endpoint = new UnixDomainSocketEndPoint(socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath);
        void Send(string state)
        {
            try { socket.SendTo(Encoding.ASCII.GetBytes(state), endpoint); }
            catch (SocketException e) { AgentLog.Write($"systemd notify ({state}) failed: {e.Message}"); }
        }

        try { await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).WaitAsync(stoppingToken); }
        catch (OperationCanceledException) when (lifetime.ApplicationStarted.IsCancellationRequested) { }
        catch (OperationCanceledException) { return; }
        Send("READY=1");
        try
        {
            if (Interval() is not { } every) { await Task.Delay(Timeout.Infinite, stoppingToken); return; }
            using var timer = new PeriodicTimer(every);
            while (await timer.WaitForNextTickAsync(stoppingToken))
                if (await ActorsAnswerAsync()) Send("WATCHDOG=1");
        }
        catch (OperationCanceledException) { }
        finally { Send("STOPPING=1"); }
    }

    /// <summary>Half the watchdog period systemd asked for, when the watchdog is meant for this process.</summary>
    public static TimeSpan? Interval()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) || usec <= 0) return null;
        if (int.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_PID"), out var pid) && pid != Environment.ProcessId) return null;
        return TimeSpan.FromMicroseconds(usec / 2.0);
    }

    // A round trip through the actor system's dispatcher: a deadlocked or starved agent cannot answer it.
    private async Task<bool> ActorsAnswerAsync()
    {
        try
        {
            var identity = await system.ActorSelection("/user").Ask<ActorIdentity>(new Identify(null), ProbeTimeout);
            return identity.Subject is not null;
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            AgentLog.Write($"systemd watchdog: the actor system did not answer within {ProbeTimeout.TotalSeconds:0} s; not pinging");
            return false;
        }
    }
}
