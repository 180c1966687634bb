using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Devices;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.Security.Pki;
using Grpc.Core;
using Grpc.Net.Client;

namespace Fleet.Integration.Tests.Gateway;

/// <summary>
/// A device that speaks the wire protocol by hand, so a test can send what a real agent never would: frames out of
/// order, frames naming another device, garbage and oversized frames, or a certificate that is not a device's.
/// </summary>
public sealed class RawDevice : IDisposable
{
    private readonly GrpcChannel _channel;

    public RawDevice(string gateway, X509Certificate2 certificate, X509Certificate2 ca)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { certificate },
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is X509Certificate2 c && new FleetTrust(ca).Check(c) is null,
            },
        };
        _channel = GrpcChannel.ForAddress($"https://{gateway}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, MaxSendMessageSize = null });
        Call = new DeviceGateway.DeviceGatewayClient(_channel).Connect();
        Certificate = certificate;
    }

    public AsyncDuplexStreamingCall<DeviceFrame, CloudFrame> Call { get; }
    public X509Certificate2 Certificate { get; }

    public static DeviceFacts Facts(string deviceId) => new(deviceId, "inst-" + deviceId, "raw", 2, 1024, "x64", "Linux", Array.Empty<string>(),
        Array.Empty<string>(), "0.1.0", new Dictionary<string, string>());

    /// <summary>
    /// Whether <paramref name="e"/> is how a refused TLS handshake reaches the client: the call is Unavailable, or (TLS 1.3
    /// lets the client finish its side before the server refuses its certificate, so the socket may close mid-way) an
    /// Internal status carrying the failed HTTP/2 connection, or the connection error itself. All mean no connection was made.
    /// </summary>
    public static bool IsRefusedHandshake(Exception e) =>
        e is RpcException { StatusCode: StatusCode.Unavailable } or HttpRequestException or IOException
            or RpcException { StatusCode: StatusCode.Internal, Status.DebugException: HttpRequestException };

    /// <summary>A registration as the real agent sends it: facts for <paramref name="deviceId"/>, signed with this certificate's key.</summary>
    public DeviceFrame Register(string deviceId)
    {
        var facts = Facts(deviceId);
        return DeviceFrames.Register(facts, RegistrationProof.Sign(Certificate, facts, DeviceFrames.GatewayAddress, DateTimeOffset.UtcNow));
    }

    public Task SendAsync(DeviceFrame frame) => Call.RequestStream.WriteAsync(frame);

    /// <summary>The next frame the gateway sends, or null once it ended the stream.</summary>
    public async Task<CloudFrame?> NextAsync(TimeSpan? within = null)
    {
        using var cts = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(20));
        return await Call.ResponseStream.MoveNext(cts.Token) ? Call.ResponseStream.Current : null;
    }

    /// <summary>Frames until the first of <paramref name="kind"/> (which is returned), skipping others; null if the stream ended first.</summary>
    public async Task<CloudFrame?> UntilAsync(CloudFrame.BodyOneofCase kind)
    {
        while (await NextAsync() is { } frame)
            if (frame.BodyCase == kind) return frame;
        return null;
    }

    public void Dispose()
    {
        Call.Dispose();
        _channel.Dispose();
    }
}
