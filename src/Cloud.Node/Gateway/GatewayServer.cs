using System.Net;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Campaigns;
using Fleet.Shared.Devices;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Fleet.Shared.Cluster;

namespace Fleet.Cloud.Gateway;

/// <summary>
/// The device-facing side of a gateway node: its own Kestrel on <c>--gateway-port</c>, HTTP/2 only, mutual TLS with
/// device certificates from the fleet CA, and nothing mapped but the <c>DeviceGateway</c> gRPC service. It shares the
/// node's actor system but none of the API's routes, tokens or middleware. Started after the actor system, stopped
/// first, so open streams end before the node leaves the cluster.
/// </summary>
public sealed class GatewayServer(IServiceProvider node, string host, int port, X509Certificate2 certificate, FleetTrust trust, GatewayLimits limits)
    : IHostedService
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken ct)
    {
        var system = node.GetRequiredService<ActorSystem>();
        var registry = node.GetRequiredService<ActorRegistry>();
        var audit = node.GetRequiredService<CloudAudit>();
        var log = node.GetRequiredService<ILogger<GatewayServer>>();
        var targets = new GatewayTargets(await registry.GetAsync<DeviceRegion>(ct), await registry.GetAsync<KillSwitchAuthorityKey>(ct),
            await registry.GetAsync<TelemetryIngestKey>(ct), await registry.GetAsync<CampaignStore>(ct),
            (device, action, detail) => audit.Record($"device:{device}", action, device, detail));
        var gateway = system.ActorOf(GatewayActor.Props(targets, limits), ActorNames.Cloud.Gateway);
        registry.Register<GatewayKey>(gateway);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; })
            .AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(EndpointOf(host, port), listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (cert, _, _) => Accept(cert, trust, log);
                // TLS builds its own chain before that check: against the fleet CA alone, not the system's roots.
                https.OnAuthenticate = (_, tls) => tls.CertificateChainPolicy = trust.TlsChainPolicy();
                https.HandshakeTimeout = TimeSpan.FromSeconds(10);
                // Revocation is the fleet's own list (FleetTrust.Check); the fleet CA publishes no CRL or OCSP to fetch.
                https.CheckCertificateRevocation = false;
            });
        }));
        builder.Services.AddGrpc(g =>
        {
            g.MaxReceiveMessageSize = limits.MaxFrameBytes;
            g.MaxSendMessageSize = limits.MaxFrameBytes;
        });
        builder.Services.AddSingleton(new GatewayHandle(gateway));
        builder.Services.AddSingleton(limits);
        _app = builder.Build();
        _app.MapGrpcService<GatewayService>();
        try
        {
            await _app.StartAsync(ct);
        }
        catch (IOException e)
        {
            throw new Shared.Cli.FleetException($"cannot serve the device gateway on {host}:{port}: {e.Message.Split('\n')[0]}");
        }
        log.LogInformation("device gateway listening on {Host}:{Port} (gRPC, mutual TLS)", host, port);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_app is null) return;
        await _app.StopAsync(ct);
        await _app.DisposeAsync();
    }

    /// <summary>Only device certificates from this fleet's CA, in date and not revoked; a node certificate has no business here.</summary>
    private static bool Accept(X509Certificate2 cert, FleetTrust trust, ILogger log)
    {
        var reason = trust.Check(cert) ?? (FleetCertificates.DeviceOf(cert) is null ? $"{FleetCertificates.Describe(cert)} is not a device certificate" : null);
        if (reason is null) return true;
        GatewayMetrics.Refused("certificate");
        log.LogWarning("gateway refused a TLS client: {Reason}", reason);
        return false;
    }

    private static IPEndPoint EndpointOf(string host, int port) =>
        new(host is "0.0.0.0" or "*" or "+" ? IPAddress.Any : host is "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).First(), port);
}
