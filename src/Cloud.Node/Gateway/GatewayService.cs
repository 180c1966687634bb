using System.Threading.Channels;
using Akka.Actor;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.Security.Pki;
using Grpc.Core;

namespace Fleet.Cloud.Gateway;

/// <summary>
/// The gRPC side of a device's stream: reads the device id from the client certificate (TLS already checked it against
/// the fleet CA and the revocation list), opens the device's connection actor, pumps inbound frames to it and its send
/// queue out to the device. The stream ends when either side ends it.
/// </summary>
public sealed class GatewayService(GatewayHandle gateway, GatewayLimits limits, ILogger<GatewayService> log) : DeviceGateway.DeviceGatewayBase
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(5);

    public override async Task Connect(IAsyncStreamReader<DeviceFrame> requestStream, IServerStreamWriter<CloudFrame> responseStream, ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null || FleetCertificates.DeviceOf(certificate) is not { } deviceId)
        {
            GatewayMetrics.Refused("not-a-device");
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, "a device certificate from the fleet CA is required"));
        }
        var outbox = Channel.CreateBounded<CloudFrame>(new BoundedChannelOptions(limits.SendQueue) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var connection = await gateway.Actor.Ask<IActorRef>(new GatewayActor.Open(deviceId.Value, outbox.Writer, certificate!.NotAfter.ToUniversalTime()), OpenTimeout, context.CancellationToken);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var sending = SendAll(outbox.Reader, responseStream, done);
        try
        {
            while (await requestStream.MoveNext(done.Token)) connection.Tell(new DeviceConnection.Inbound(requestStream.Current));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
            // The device went away, or the connection actor ended the stream: either way it is over.
            if (!done.IsCancellationRequested) log.LogInformation("stream of device {Device} ended: {Reason}", deviceId.Value, e.Message);
        }
        finally
        {
            connection.Tell(DeviceConnection.StreamEnded.Instance);
        }
        await sending;
    }

    /// <summary>Writes queued frames until the connection actor completes the queue, then ends the inbound side too.</summary>
    private static async Task SendAll(ChannelReader<CloudFrame> queue, IServerStreamWriter<CloudFrame> stream, CancellationTokenSource done)
    {
        try
        {
            await foreach (var frame in queue.ReadAllAsync(done.Token)) await stream.WriteAsync(frame, done.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
        }
        finally
        {
            await done.CancelAsync();
        }
    }
}

/// <summary>This node's gateway actor, for the gRPC service (which lives in the gateway's own web host).</summary>
public sealed record GatewayHandle(IActorRef Actor);
