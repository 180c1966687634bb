using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Fleet.Edge.Link;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security.Pki;
using Grpc.Core;
using Grpc.Net.Client;

namespace Fleet.Bench.Simulator;

/// <summary>
/// One simulated device: its own TLS connection and gRPC stream to a gateway (the channel a real device builds), and
/// the device's side of the wire contract as <see cref="GatewayLinkActor"/> speaks it: register with facts and a proof
/// signed by its key, then kill sync and assignment request; a heartbeat and an assignment request every 10 s (and a
/// registration again until credentials came); every kill policy acknowledged with the epoch received. It does not
/// verify the policy's signature or render anything: it measures the gateway, not the device.
/// </summary>
internal sealed class SimulatedDevice(int index, X509Certificate2 certificate, DeviceSimulator simulator)
{
    private const int SendQueue = 64;
    private static readonly long HeartbeatTicks = (long)(LinkActor.HeartbeatInterval.TotalSeconds * Stopwatch.Frequency);

    private readonly DeviceFacts _facts = FactsOf(FleetCertificates.DeviceIdOf(certificate)!);
    private Attempt? _attempt;
    private long _nextHeartbeat;
    private long _epoch = -1;
    private volatile bool _hasCredentials;

    public int Index { get; } = index;
    public string DeviceId => _facts.DeviceId;
    public bool IsRegistered => _attempt is { Registered: true };
    /// <summary>Registered, and the API credentials that follow a registration arrived (the cloud caught up with it).</summary>
    public bool HasCredentials => IsRegistered && _hasCredentials;

    /// <summary>Opens a stream and registers; null once Registered arrived, else why not (the stream is closed again).</summary>
    public async Task<string?> ConnectAsync(SeedAddress gateway, FleetTrust trust, TimeSpan timeout)
    {
        var attempt = new Attempt(GatewayStream.ChannelTo(gateway, certificate, trust));
        _attempt = attempt;
        _hasCredentials = false;
        _ = attempt.SendAll();
        _ = ReceiveAll(attempt);
        Send(attempt, Register());
        string? failure;
        try { failure = await attempt.Answer.Task.WaitAsync(timeout); }
        catch (TimeoutException) { failure = $"no answer to the registration within {timeout.TotalSeconds:0} s"; }
        if (failure is not null) await CloseAsync();
        return failure;
    }

    /// <summary>Called about once a second by the simulator: a heartbeat when one is due.</summary>
    public void Tick(long now)
    {
        if (_attempt is not { Registered: true } s || now < _nextHeartbeat) return;
        _nextHeartbeat = now + HeartbeatTicks;
        Send(s, DeviceFrames.Heartbeat(_facts.InstallationId));
        Send(s, DeviceFrames.AssignmentRequest());
        if (!_hasCredentials) Send(s, Register());
    }

    public async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _attempt, null) is { } s) await s.DisposeAsync();
    }

    private async Task ReceiveAll(Attempt s)
    {
        string reason;
        try
        {
            await foreach (var frame in s.Call.ResponseStream.ReadAllAsync(s.Stop.Token)) On(s, frame);
            reason = "the gateway ended the stream";
        }
        catch (RpcException e)
        {
            reason = $"{e.Status.StatusCode}: {e.Status.Detail.Split('\n')[0]}";
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or InvalidOperationException)
        {
            reason = e.Message.Split('\n')[0];
        }
        var wasRegistered = s.Registered;
        s.Registered = false;
        s.Answer.TrySetResult(reason);
        if (wasRegistered && !s.Stop.IsCancellationRequested && _attempt == s) simulator.StreamLost(this, reason);
    }

    private void On(Attempt s, CloudFrame frame)
    {
        switch (frame.BodyCase)
        {
            case CloudFrame.BodyOneofCase.Registered when !s.Registered:
                s.Registered = true;
                // As the real link does: the kill policy first, then the assignments; heartbeats from now on.
                Send(s, DeviceFrames.KillSync());
                Send(s, DeviceFrames.AssignmentRequest());
                _nextHeartbeat = Stopwatch.GetTimestamp() + HeartbeatTicks;
                s.Answer.TrySetResult(null);
                break;
            case CloudFrame.BodyOneofCase.Credentials:
                _hasCredentials = true;
                break;
            case CloudFrame.BodyOneofCase.RenewCredentials:
                _hasCredentials = false;
                Send(s, Register());
                break;
            case CloudFrame.BodyOneofCase.KillPolicy:
                var epoch = Math.Max(Interlocked.Read(ref _epoch), frame.KillPolicy.Epoch);
                Interlocked.Exchange(ref _epoch, epoch);
                simulator.PolicyReceived(this, frame.KillPolicy.Epoch);
                // Unverified: the simulator acknowledges the epoch it received (a real device verifies and enforces first).
                Send(s, DeviceFrames.KillAck(new KillCommands.Ack(DeviceId, epoch, DateTimeOffset.UtcNow)));
                break;
            case CloudFrame.BodyOneofCase.Refused:
                s.Answer.TrySetResult($"refused: {frame.Refused.Reason}");
                break;
        }
    }

    private DeviceFrame Register() =>
        DeviceFrames.Register(_facts, RegistrationProof.Sign(certificate, _facts, DeviceFrames.GatewayAddress, DateTimeOffset.UtcNow));

    private void Send(Attempt s, DeviceFrame frame)
    {
        if (!s.Outbox.Writer.TryWrite(frame)) simulator.FrameNotQueued(this);
    }

    private static DeviceFacts FactsOf(string deviceId) => new(deviceId,
        new Guid(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(deviceId))[..16]).ToString("N"),
        $"host-{deviceId}", 4, 8192, "arm64", "linux (simulated)", new[] { "libx264" }, new[] { "cpu" }, "simulator", new Dictionary<string, string>());

    /// <summary>One connection attempt: channel, call, send queue and its pump.</summary>
    private sealed class Attempt(GrpcChannel channel) : IAsyncDisposable
    {
        public CancellationTokenSource Stop { get; } = new();
        public AsyncDuplexStreamingCall<DeviceFrame, CloudFrame> Call { get; } = new DeviceGateway.DeviceGatewayClient(channel).Connect();
        public Channel<DeviceFrame> Outbox { get; } = Channel.CreateBounded<DeviceFrame>(new BoundedChannelOptions(SendQueue) { SingleReader = true });
        /// <summary>Null when Registered arrived, else why the attempt failed.</summary>
        public TaskCompletionSource<string?> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile bool Registered;

        public async Task SendAll()
        {
            try
            {
                await foreach (var frame in Outbox.Reader.ReadAllAsync(Stop.Token)) await Call.RequestStream.WriteAsync(frame, Stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or RpcException or InvalidOperationException)
            {
                // The receiving side reports why the stream ended.
            }
        }

        public async ValueTask DisposeAsync()
        {
            Outbox.Writer.TryComplete();
            await Stop.CancelAsync();
            Call.Dispose();
            channel.Dispose();
            Stop.Dispose();
        }
    }
}
