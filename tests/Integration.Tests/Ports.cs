using System.Net;
using System.Net.Sockets;

namespace Fleet.Integration.Tests;

/// <summary>Free loopback ports, so tests never collide with each other or a running demo.</summary>
public static class Ports
{
    public static int Free()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
