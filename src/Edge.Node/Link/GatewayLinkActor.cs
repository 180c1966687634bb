using Akka.Actor;
using Akka.Event;
using Fleet.Edge.Audit;
using Fleet.Edge.Hosting;
using Fleet.Edge.Identity;
using Fleet.Shared.Audit;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Gateway;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Telemetry;
using Fleet.Shared.Tokens;

namespace Fleet.Edge.Link;

/// <summary>
/// The cloud link of an enrolled device: one stream to one gateway at a time. It connects (trying the gateways in turn,
/// with backoff and jitter), registers, syncs the kill policy before anything else, pulls assignments, heartbeats and
/// uploads telemetry; when the stream ends it connects again. The rest of the device never notices: its local API,
/// renders, policy and outbox run for the agent's whole life. Only a refusal (revoked, duplicate) stops the agent.
/// Before the certificate expires it asks for a new one on the stream, stores it and reconnects with it.
/// </summary>
public sealed class GatewayLinkActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RegisterTimeout = TimeSpan.FromSeconds(10);

    private readonly GatewayLinkSettings _settings;
    private readonly LinkSession _session;
    private readonly CertificateRenewal _renewal;
    /// <summary>The enrolment in use: its certificate is replaced by each renewal.</summary>
    private EdgeCredentials _credentials;
    private bool _expiryReported;
    private IGatewayConnection? _stream;
    private int _attempt;
    private int _failures;
    private bool _hasCredentials;
    private int _heartbeatsWithoutCredentials;
    private int _nextCredentialsRequest = 1;

    public GatewayLinkActor(GatewayLinkSettings settings, LinkSession session)
    {
        _settings = settings;
        _session = session;
        _credentials = settings.Credentials;
        _renewal = new CertificateRenewal(settings.RenewBefore);
        Disconnected();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(GatewayLinkSettings settings, LinkSession session) => Akka.Actor.Props.Create(() => new GatewayLinkActor(settings, session));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(CredentialsStale));
        Self.Tell(Connect.Instance);
    }

    protected override void PostStop()
    {
        if (_stream is { } s) _ = s.DisposeAsync().AsTask();
        _renewal.Dispose();
    }

    private void Disconnected()
    {
        Receive<Connect>(_ =>
        {
            var gateway = _settings.Gateways[_attempt % _settings.Gateways.Count];
            _attempt++;
            ReportExpiry();
            _stream = (_settings.Connector ?? GatewayStream.Open)(gateway, _credentials, Self, _attempt);
            _stream.TrySend(Register());
            Timers.StartSingleTimer(RegisterTimedOut.Instance, RegisterTimedOut.Instance, RegisterTimeout);
            Become(Registering);
        });
        Ignore();
    }

    private void Registering()
    {
        Receive<GatewayConnection.Received>(r => r.Attempt == _attempt && r.Message is DeviceReplies.Registered, r =>
        {
            Timers.Cancel(RegisterTimedOut.Instance);
            _failures = 0;
            var registered = (DeviceReplies.Registered)r.Message;
            AgentLog.Write($"registered as {registered.DeviceId} through gateway {_stream!.Gateway} ({(registered.FirstTime ? "new device" : "known device")})");
            _session.Joined = true;
            _session.MarkRegistered(registered.DeviceId);
            // Before anything else in a session: the current kill policy, then the assignments.
            Send(DeviceFrames.KillSync());
            Send(DeviceFrames.AssignmentRequest());
            Timers.StartPeriodicTimer(Heartbeat.Instance, Heartbeat.Instance, LinkActor.HeartbeatInterval);
            Timers.StartPeriodicTimer(RenewCheck.Instance, RenewCheck.Instance, CertificateRenewal.CheckInterval(_credentials.Certificate));
            Self.Tell(RenewCheck.Instance);
            if (_settings.Uplink is { } uplink && Context.Child("telemetry-upload").IsNobody())
                Context.ActorOf(TelemetryUploader.Props(uplink with { Ingest = Self }, _settings.Facts.DeviceId, _settings.Facts.Tags), ActorNames.Edge.TelemetryUpload);
            if (_settings.AuditLog is { } log && Context.Child(ActorNames.Edge.AuditUpload).IsNobody())
                Context.ActorOf(AuditHeadUploader.Props(log, _settings.Credentials.Certificate, _settings.Facts.DeviceId, _settings.AuditUpload ?? new()), ActorNames.Edge.AuditUpload);
            Context.Child(ActorNames.Edge.AuditUpload).Tell(AuditHeadUploader.LinkUp.Instance);
            Become(Registered);
        });
        Receive<RegisterTimedOut>(_ => Reconnect($"no registration answer within {RegisterTimeout.TotalSeconds:0}s"));
        Common();
        Ignore();
    }

    private void Registered()
    {
        Common();
        Receive<GatewayConnection.Received>(r => r.Attempt == _attempt, r =>
        {
            switch (r.Message)
            {
                case SignedKillPolicy p: _settings.Policy.Tell(p); break;
                case AssignmentTable t: _settings.Manifests.Tell(t); break;
                case DeviceCredentials c:
                    _hasCredentials = true;
                    (_heartbeatsWithoutCredentials, _nextCredentialsRequest) = (0, 1);
                    _settings.Manifests.Tell(c);
                    // The token itself never goes into the log: only that one was issued, and for which API.
                    _settings.Audit?.Tell(new AuditCommands.Record("link", AuditCommands.Actions.CredentialsIssued, _settings.Facts.DeviceId, $"api {c.ApiUrl}"));
                    // The render pipeline delegates cloud renders over the API with the same device token.
                    Context.System.EventStream.Publish(c);
                    break;
                case CredentialsStale: RenewCredentials(); break;
                case DeviceReplies.CertificateIssued issued: Renewed(issued.CertificatePem); break;
                case DeviceReplies.CertificateRefused no: AgentLog.Write($"the cloud did not renew the device certificate: {no.Reason}; asking again later"); break;
                case TelemetryProtocol.Ack or TelemetryProtocol.Rejected: Context.Child("telemetry-upload").Forward(r.Message); break;
                case DeviceReplies.AuditHeadAnswer: Context.Child(ActorNames.Edge.AuditUpload).Forward(r.Message); break;
            }
        });
        // From the gateway (a control node left) or from this device's downloads (the API refused the token).
        Receive<CredentialsStale>(_ => RenewCredentials());
        Receive<KillCommands.Ack>(ack => Send(DeviceFrames.KillAck(ack)));
        Receive<DeviceSyncReport>(report => Send(DeviceFrames.SyncReport(report)));
        Receive<TelemetryProtocol.Batch>(b => Send(DeviceFrames.Telemetry(b)));
        Receive<RenewCheck>(_ =>
        {
            if (_renewal.Next(_credentials, DateTimeOffset.UtcNow) is not { } request) return;
            AgentLog.Write($"the device certificate expires at {_credentials.Certificate.NotAfter.ToUniversalTime():u}: asking the cloud for a new one");
            Send(request);
        });
        Receive<SignedAuditHead>(h => Send(DeviceFrames.AuditHead(h)));
        Receive<Heartbeat>(_ =>
        {
            Send(DeviceFrames.Heartbeat(_settings.Facts.InstallationId));
            // Broadcasts can be missed (a gateway restarting): the table is also pulled.
            Send(DeviceFrames.AssignmentRequest());
            // The token comes with a registration; if it did not come (the token store busy or moving), register again
            // for it after 1, 2, 4 … 32 heartbeats: a fleet that asks every heartbeat would keep a busy store busy.
            if (!_hasCredentials && ++_heartbeatsWithoutCredentials >= _nextCredentialsRequest)
            {
                _nextCredentialsRequest = Math.Min(_nextCredentialsRequest * 2, 32);
                _heartbeatsWithoutCredentials = 0;
                Send(Register());
            }
        });
        Ignore();
    }

    private void Common()
    {
        Receive<GatewayConnection.Received>(r => r.Attempt == _attempt && r.Message is DeviceReplies.Refused, r =>
        {
            var reason = ((DeviceReplies.Refused)r.Message).Reason;
            AgentLog.Write($"the cloud refused this device: {reason}");
            _session.RefusedReason = reason;
            Timers.CancelAll();
            Become(Ignore);
            CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ActorSystemTerminateReason.Instance);
        });
        Receive<GatewayConnection.Lost>(l => l.Attempt == _attempt, l => Reconnect(l.Reason));
    }

    /// <summary>Late frames of an earlier attempt, and timers of a state already left.</summary>
    private void Ignore()
    {
        Receive<GatewayConnection.Received>(_ => { });
        Receive<GatewayConnection.Lost>(_ => { });
        Receive<Heartbeat>(_ => { });
        Receive<RenewCheck>(_ => { });
        Receive<RegisterTimedOut>(_ => { });
        Receive<CredentialsStale>(_ => { });
        Receive<KillCommands.Ack>(_ => { });
        Receive<DeviceSyncReport>(_ => { });
        Receive<TelemetryProtocol.Batch>(_ => { });
        Receive<SignedAuditHead>(_ => { });
    }

    /// <summary>Credentials come with a registration: register again for a token (and API address) the cloud accepts now.</summary>
    private void RenewCredentials()
    {
        _hasCredentials = false;
        Send(Register());
    }

    /// <summary>A registration signed with the certificate in use now (the renewed one after a renewal).</summary>
    private Shared.Gateway.Wire.DeviceFrame Register() => DeviceFrames.Register(_settings.Facts,
        RegistrationProof.Sign(_credentials.Certificate, _settings.Facts, DeviceFrames.GatewayAddress, DateTimeOffset.UtcNow));

    /// <summary>
    /// A renewed certificate: checked, stored (the old pair stays until the new one is safely on disk), recorded in the
    /// device's audit log, and then used for a new stream. Renders carry on meanwhile; they never wait for the link.
    /// </summary>
    private void Renewed(string certificatePem)
    {
        var (renewed, line) = _renewal.Adopt(certificatePem, _credentials, _settings.DataDir, DateTimeOffset.UtcNow);
        AgentLog.Write(line);
        if (renewed is null) return;
        _credentials = renewed;
        _settings.Audit?.Tell(new Shared.Audit.AuditCommands.Record("link", "certificate-renewed", _credentials.DeviceId, line));
        EndStream();
        Self.Tell(Connect.Instance);
    }

    /// <summary>An expired certificate is refused by every gateway: say so once, and what to do, instead of only failing.</summary>
    private void ReportExpiry()
    {
        if (_expiryReported || !CertificateRenewal.IsExpired(_credentials.Certificate, DateTimeOffset.UtcNow)) return;
        _expiryReported = true;
        AgentLog.Write(CertificateRenewal.ExpiredLine(_credentials, _settings.DataDir));
    }

    private void Send(Shared.Gateway.Wire.DeviceFrame frame)
    {
        if (_stream is { } s && !s.TrySend(frame)) Reconnect("the stream to the gateway is stuck");
    }

    /// <summary>Ends the current stream and what belongs to it; the caller says when the next one starts.</summary>
    private void EndStream()
    {
        Timers.Cancel(Heartbeat.Instance);
        Timers.Cancel(RenewCheck.Instance);
        Timers.Cancel(RegisterTimedOut.Instance);
        if (_stream is { } s) _ = s.DisposeAsync().AsTask();
        _stream = null;
        _hasCredentials = false;
        _session.Joined = false;
        Context.Child(ActorNames.Edge.AuditUpload).Tell(AuditHeadUploader.LinkDown.Instance);
        Become(Disconnected);
    }

    private void Reconnect(string reason)
    {
        var gateway = _stream?.Gateway;
        EndStream();
        _failures++;
        var delay = EdgeAgent.Rejoin.Delay(_failures);
        var next = _settings.Gateways[_attempt % _settings.Gateways.Count];
        AgentLog.Write($"connection {_failures} to gateway {gateway} lost: {reason}; next attempt ({next}) in {delay.TotalSeconds:0.#}s");
        Timers.StartSingleTimer(Connect.Instance, Connect.Instance, delay);
    }

    private sealed class Connect : IDeadLetterSuppression { public static readonly Connect Instance = new(); }
    private sealed class Heartbeat : IDeadLetterSuppression { public static readonly Heartbeat Instance = new(); }
    private sealed class RenewCheck : IDeadLetterSuppression { public static readonly RenewCheck Instance = new(); }
    private sealed class RegisterTimedOut : IDeadLetterSuppression { public static readonly RegisterTimedOut Instance = new(); }
}

/// <summary>
/// What the gateway link needs: the gateways, the device's credentials and facts, the local actors it feeds, the data
/// folder its enrolment lives in and the fraction of the certificate's lifetime left at which it renews. <see cref="Connector"/>
/// opens each stream (null: <see cref="GatewayStream.Open"/>, a real gRPC stream).
/// </summary>
public sealed record GatewayLinkSettings(
    IReadOnlyList<SeedAddress> Gateways,
    EdgeCredentials Credentials,
    DeviceFacts Facts,
    IActorRef Policy,
    IActorRef Manifests,
    TelemetryUplink? Uplink,
    string DataDir,
    double RenewBefore = CertificateRenewal.DefaultRenewBefore,
    IActorRef? Audit = null,
    AuditLog? AuditLog = null,
    AuditUploadSettings? AuditUpload = null,
    GatewayConnector? Connector = null);
