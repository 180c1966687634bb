using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Akka.Actor;
using Fleet.Edge.Identity;
using Fleet.Shared.Cluster;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.Security.Pki;
using Grpc.Core;
using Grpc.Net.Client;

namespace Fleet.Edge.Link;

/// <summary>
/// One attempt at a device's stream to one gateway: its own HTTP/2 connection (the name resolved anew), mutual TLS with
/// the device certificate, the gateway's certificate checked against the fleet CA pinned at enrolment. Frames the
/// gateway sends reach <c>link</c> as <see cref="GatewayConnection.Received"/>; the end of the stream, for whatever reason, as
/// <see cref="GatewayConnection.Lost"/>.
/// </summary>
public sealed class GatewayStream : IGatewayConnection
{
    /// <summary>Frames waiting to be written; a device has little to say, so a full queue means the stream is stuck.</summary>
    private const int SendQueue = 512;

    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<DeviceFrame, CloudFrame> _call;
    private readonly Channel<DeviceFrame> _outbox = Channel.CreateBounded<DeviceFrame>(new BoundedChannelOptions(SendQueue) { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pumps;

    private GatewayStream(SeedAddress gateway, EdgeCredentials creds, IActorRef link, int attempt)
    {
        Gateway = gateway;
        _channel = ChannelTo(gateway, creds.Certificate, new FleetTrust(creds.Ca));
        _call = new DeviceGateway.DeviceGatewayClient(_channel).Connect(cancellationToken: _stop.Token);
        _pumps = Task.WhenAll(ReceiveAll(link, creds.DeviceId, attempt), SendAll());
    }

    public SeedAddress Gateway { get; }

    /// <summary>
    /// A channel with its own HTTP/2 connection to <paramref name="gateway"/>: the device certificate as the TLS client
    /// certificate, the gateway's checked against the fleet CA. Every stream gets its own (the device simulator too).
    /// </summary>
    public static GrpcChannel ChannelTo(SeedAddress gateway, X509Certificate2 certificate, FleetTrust trust) =>
        GrpcChannel.ForAddress($"https://{gateway.Host}:{gateway.Port}", new GrpcChannelOptions
        {
            HttpHandler = Handler(certificate, trust),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 4 * 1024 * 1024,
        });

    private static SocketsHttpHandler Handler(X509Certificate2 certificate, FleetTrust trust) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(5),
        // HTTP/2 pings notice a dead gateway (or a dead NAT mapping on a store's WAN link) within half a minute.
        KeepAlivePingDelay = TimeSpan.FromSeconds(20),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = new X509CertificateCollection { certificate },
            // Only a node of this fleet whose certificate grants it the gateway role may hold the device's stream.
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
                cert is X509Certificate2 c && trust.CheckNode(c) is null && FleetCertificates.RolesOf(c).Contains(FleetCluster.GatewayRole),
        },
    };

    /// <summary>The link's <see cref="GatewayConnector"/> in a running agent.</summary>
    public static IGatewayConnection Open(SeedAddress gateway, EdgeCredentials creds, IActorRef link, int attempt) => new GatewayStream(gateway, creds, link, attempt);

    public bool TrySend(DeviceFrame frame) => _outbox.Writer.TryWrite(frame);

    private async Task ReceiveAll(IActorRef link, string deviceId, int attempt)
    {
        string reason;
        try
        {
            await foreach (var frame in _call.ResponseStream.ReadAllAsync(_stop.Token))
                if (CloudFrames.Read(frame, deviceId) is { } message) link.Tell(new GatewayConnection.Received(attempt, message));
            reason = "the gateway ended the stream";
        }
        catch (RpcException e)
        {
            reason = e.Status.StatusCode == StatusCode.Cancelled && _stop.IsCancellationRequested ? "closed" : $"{e.Status.StatusCode}: {OneLine(e.Status.Detail)}";
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or System.Text.Json.JsonException)
        {
            reason = OneLine(e.Message);
        }
        _outbox.Writer.TryComplete();
        link.Tell(new GatewayConnection.Lost(attempt, reason));
    }

    private async Task SendAll()
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync(_stop.Token)) await _call.RequestStream.WriteAsync(frame, _stop.Token);
            await _call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
            // The receiving side reports why the stream ended.
        }
    }

    private static string OneLine(string text) => text.Split('\n')[0].Trim();

    public async ValueTask DisposeAsync()
    {
        _outbox.Writer.TryComplete();
        await _stop.CancelAsync();
        try { await _pumps.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { /* ending anyway */ }
        _call.Dispose();
        _channel.Dispose();
        _stop.Dispose();
    }
}
