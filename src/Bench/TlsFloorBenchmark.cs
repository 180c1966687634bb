using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;
using Fleet.Shared.Security.Pki;

namespace Fleet.Bench;

/// <summary>
/// What mutual TLS alone costs a gateway per connected device, with nothing above it (no HTTP/2, gRPC or actors): this
/// process holds N idle server-side SslStreams with the gateway's handshake settings (a node certificate, a device
/// certificate required, the fleet CA as the only root), and a child process holds their clients. The floor under
/// <c>bench gateway</c>'s cloud memory per 1,000 devices.
/// </summary>
public static class TlsFloorBenchmark
{
    public const string ClientsCommand = "tls-clients";
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    public sealed record Result(int Connections, double RssBeforeMb, double RssAfterMb, double KbPerConnection, double ManagedKbPerConnection, double HandshakeSeconds);

    public static async Task<Result> RunAsync(int connections, Action<string> progress)
    {
        ProcessProbe.RequireOpenFiles(connections, 2 * connections + 1024, connections + 256);
        var dir = Directory.CreateTempSubdirectory("fleet-bench-tls-").FullName;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        var held = new List<SslStream>();
        Process? clients = null;
        try
        {
            using var ca = FleetCa.Create(Path.Combine(dir, FleetCa.KeyFile));
            using var server = ca.IssueNode("tls-floor", [FleetCluster.GatewayRole], ["127.0.0.1"], TimeSpan.FromHours(1));
            using var device = ca.IssueDeviceWithKey("tls-floor-device", TimeSpan.FromHours(1));
            var pfx = Path.Combine(dir, "device.pfx");
            File.WriteAllBytes(pfx, device.Export(X509ContentType.Pkcs12));
            var options = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(server, null),
                ClientCertificateRequired = true,
                CertificateChainPolicy = new FleetTrust(ca.Certificate).TlsChainPolicy(),
                RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None,
            };
            listener.Start(connections);
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;

            var before = Measure();
            var clock = Stopwatch.StartNew();
            // Its stdin is a pipe from here: the clients hold their connections until it closes (or this process kills them).
            clients = Process.Start(new ProcessStartInfo("dotnet")
            {
                ArgumentList = { typeof(TlsFloorBenchmark).Assembly.Location, ClientsCommand, port.ToString(), connections.ToString(), pfx },
                RedirectStandardInput = true,
            })!;
            while (held.Count < connections)
            {
                var accept = listener.AcceptSocketAsync();
                if (await Task.WhenAny(accept, clients.WaitForExitAsync()) != accept)
                    throw new FleetException($"the client process exited after {held.Count} of {connections} connections");
                var tls = new SslStream(new NetworkStream(await accept, ownsSocket: true));
                try { await tls.AuthenticateAsServerAsync(options).WaitAsync(HandshakeTimeout); }
                catch (TimeoutException)
                {
                    tls.Dispose();
                    throw new FleetException($"a client's handshake did not finish within {HandshakeTimeout.TotalSeconds:0} s ({held.Count} of {connections} connected)");
                }
                held.Add(tls);
                _ = tls.ReadAsync(new byte[1]).AsTask().ContinueWith(_ => { }, TaskScheduler.Default); // idle, as a device's stream is
                if (held.Count % 1000 == 0) progress($"{held.Count} of {connections} connected ({clock.Elapsed.TotalSeconds:0.0} s)");
            }
            var handshakes = clock.Elapsed.TotalSeconds;
            await Task.Delay(Settle);
            var after = Measure();
            return new Result(connections, before.RssMb, after.RssMb, (after.RssMb - before.RssMb) * 1024 / connections,
                (after.ManagedBytes - before.ManagedBytes) / 1024.0 / connections, handshakes);
        }
        finally
        {
            if (clients is { HasExited: false }) clients.Kill();
            clients?.Dispose();
            foreach (var tls in held) tls.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The managed heap after a full collection (with finalizers run), then the RSS that leaves.</summary>
    private static (double RssMb, long ManagedBytes) Measure()
    {
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        return (ProcessProbe.RssMb(Environment.ProcessId), managed);
    }

    /// <summary>The child's side: <paramref name="connections"/> TLS clients with the device certificate, held until stdin closes.</summary>
    public static async Task<int> ClientsAsync(int port, int connections, string pfx)
    {
        ProcessProbe.RaiseOpenFileLimit(connections + 1024);
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(pfx, null);
        var held = new List<SslStream>();
        foreach (var chunk in Enumerable.Range(0, connections).Chunk(50))
            held.AddRange(await Task.WhenAll(chunk.Select(async _ =>
            {
                var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                var tls = new SslStream(tcp.GetStream());
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "127.0.0.1",
                    ClientCertificates = new X509CertificateCollection { certificate },
                    RemoteCertificateValidationCallback = (_, _, _, _) => true, // the server's certificate is not what is measured
                });
                return tls;
            })));
        await Console.In.ReadToEndAsync();
        foreach (var tls in held) tls.Dispose();
        return 0;
    }
}
