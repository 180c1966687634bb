using System.Net;
using System.Net.Sockets;

namespace Fleet.Integration.Tests;

/// <summary>Free loopback ports, so tests never collide with each other or a running demo.</summary>
public static class Ports
{
    private static readonly HashSet<int> HandedOut = new();

    /// <summary>A port the OS just had free and this process has not handed out before (a node asks for three at once).</summary>
    public static int Free()
    {
        while (true)
        {
            using var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            lock (HandedOut)
                if (HandedOut.Add(port)) return port;
        }
    }
}
