using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Gateway;

/// <summary>
/// One connected device's presence in the cluster, on the gateway that holds its stream. Everything the device says
/// arrives here stamped with the certificate's device id and goes to exactly one control-plane actor; everything the
/// cloud says to the device leaves through the bounded send queue. A device that cannot keep up is dropped (it
/// reconnects and resyncs) instead of growing the gateway's memory. The stream ends when the client certificate it
/// was opened with expires: TLS checked it once, at the handshake, and an expired certificate must not stay connected.
/// </summary>
public sealed class DeviceConnection : ReceiveActor, IWithTimers
{
    /// <summary>Expiry is checked at least this often, so no timer is set years ahead.</summary>
    private static readonly TimeSpan MaxExpiryTimer = TimeSpan.FromDays(1);

    /// <summary>Table pulls answered here per one passed to the store: at a 10 s heartbeat, once a minute per device.</summary>
    internal const int PullsPerStoreAsk = 6;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _deviceId;
    private readonly ChannelWriter<CloudFrame> _outbox;
    private readonly GatewayTargets _targets;
    private readonly FrameRateLimit _telemetryLimit;
    private SignedKillPolicy? _latestPolicy;
    private long _sentEpoch = -1;
    /// <summary>The last policy this stream carried, when, and the newest epoch the device acknowledged on it.</summary>
    private SignedKillPolicy? _sentPolicy;
    private DateTime _sentPolicyAt;
    private long _ackedEpoch = -1;
    /// <summary>Kill syncs the device asked for and the authority has not answered yet: an answer always goes out.</summary>
    private int _syncsUnanswered;
    private readonly TimeSpan _ackedPolicyRepeat;
    private AssignmentTable? _latestTable;
    private int _pullsSinceStoreAsk;
    private readonly FrameRateLimit _controlLimit;
    private readonly FrameRateLimit _renewalLimit;
    private readonly DateTimeOffset? _certificateNotAfter;
    /// <summary>The registry's tags for the device (its enrolment record's), stamped on its telemetry.</summary>
    private IReadOnlyDictionary<string, string> _tags = new Dictionary<string, string>();

    /// <param name="certificateNotAfter">When the stream's client certificate expires; the stream ends then.</param>
    public DeviceConnection(string deviceId, ChannelWriter<CloudFrame> outbox, GatewayTargets targets, GatewayLimits limits, DateTimeOffset? certificateNotAfter)
    {
        _deviceId = deviceId;
        _outbox = outbox;
        _targets = targets;
        _telemetryLimit = new FrameRateLimit(limits.TelemetryPerSecond, limits.TelemetryBurst);
        _controlLimit = new FrameRateLimit(limits.ControlFramesPerSecond, limits.ControlFrameBurst);
        _renewalLimit = new FrameRateLimit(limits.RenewalsPerSecond, limits.RenewalBurst);
        _certificateNotAfter = certificateNotAfter;
        _ackedPolicyRepeat = limits.AckedPolicyRepeat;
        AwaitingRegistration();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string deviceId, ChannelWriter<CloudFrame> outbox, GatewayTargets targets, GatewayLimits limits,
        DateTimeOffset? certificateNotAfter = null) =>
        Akka.Actor.Props.Create(() => new DeviceConnection(deviceId, outbox, targets, limits, certificateNotAfter));

    /// <summary>A frame the device sent.</summary>
    public sealed record Inbound(DeviceFrame Frame);

    /// <summary>The device's stream ended (it closed, the network dropped, the gateway stops).</summary>
    public sealed class StreamEnded : IDeadLetterSuppression
    {
        public static readonly StreamEnded Instance = new();
    }

    /// <summary>Ends the device's stream with a reason it is shown (revocation, a refused frame).</summary>
    public sealed record Close(string Reason);

    /// <summary>
    /// A control node left the cluster. The device's credentials may name that node's API, so the device is asked to
    /// renew them. The kill authority may have left with it, and acks it had not written yet are lost: acknowledged
    /// epochs are forgotten here, so the new authority's first repeats reach the device and it acknowledges again.
    /// </summary>
    public sealed class ControlNodeGone
    {
        public static readonly ControlNodeGone Instance = new();
    }

    protected override void PreStart() => WatchExpiry();

    protected override void PostStop() => _outbox.TryComplete();

    private sealed class CheckExpiry : IDeadLetterSuppression
    {
        public static readonly CheckExpiry Instance = new();
    }

    private void WatchExpiry()
    {
        if (_certificateNotAfter is not { } notAfter) return;
        var left = notAfter - DateTimeOffset.UtcNow;
        if (left > TimeSpan.Zero) { Timers.StartSingleTimer(CheckExpiry.Instance, CheckExpiry.Instance, left < MaxExpiryTimer ? left : MaxExpiryTimer); return; }
        // No refusal frame: the device itself reads its certificate's date and says what to do (renew was missed: enrol again).
        _log.Warning("the certificate of device {0} expired at {1:u}: closing its stream", _deviceId, notAfter);
        _targets.Audit(_deviceId, "gateway.certificate-expired", $"certificate expired at {notAfter:u}; stream closed");
        Context.Stop(Self);
    }

    private void AwaitingRegistration()
    {
        Receive<Inbound>(i =>
        {
            switch (Read(i.Frame))
            {
                case null: return;
                case DeviceCommands.Register r: _targets.Registry.Tell(r); break;
                default:
                    Refuse($"the first frame on a stream must be a registration, not {i.Frame.BodyCase}");
                    break;
            }
        });
        Receive<DeviceReplies.Registered>(r =>
        {
            _log.Info("device {0} registered through this gateway", _deviceId);
            Accepted(r);
            Become(Registered);
        });
        Common();
    }

    private void Registered()
    {
        Receive<Inbound>(i =>
        {
            switch (Read(i.Frame))
            {
                case null: return;
                case DeviceCommands.Register r: _targets.Registry.Tell(r); break;
                case DeviceCommands.Heartbeat hb:
                    _targets.Registry.Tell(hb);
                    CatchUpOnPolicy();
                    break;
                case KillCommands.Sync s:
                    _syncsUnanswered++;
                    _targets.KillSwitch.Tell(s);
                    break;
                case KillCommands.Ack a:
                    _ackedEpoch = Math.Max(_ackedEpoch, a.Epoch);
                    _targets.KillSwitch.Tell(a);
                    break;
                case GetAssignmentTable q: AnswerTablePull(q); break;
                case DeviceSyncReport report: _targets.Campaigns.Tell(report); break;
                case DeviceCommands.SubmitAuditHead h: _targets.Registry.Tell(h); break;
                case TelemetryProtocol.Batch b when !_telemetryLimit.TryTake(DateTime.UtcNow):
                    Send(new TelemetryProtocol.Rejected(_deviceId, b.Seq,
                        $"rate limit: at most {_telemetryLimit.PerSecond} telemetry batches per second; send it again later"));
                    break;
                case TelemetryProtocol.Batch b: _targets.Telemetry.Tell(b); break;
                case DeviceCommands.RenewCertificate when !_renewalLimit.TryTake(DateTime.UtcNow):
                    var limited = $"rate limit: at most {_renewalLimit.PerSecond * 3600:0.#} certificate requests per hour on a stream; ask again later";
                    _targets.Audit(_deviceId, Enrolment.DeviceCertificateRenewal.RefusedAction, limited);
                    Send(new DeviceReplies.CertificateRefused(_deviceId, limited));
                    break;
                case DeviceCommands.RenewCertificate renew: _targets.Registry.Tell(renew); break;
            }
        });
        Receive<DeviceReplies.CertificateIssued>(Send);
        Receive<DeviceReplies.CertificateRefused>(Send);
        Receive<DeviceReplies.Registered>(Accepted);
        Receive<SignedKillPolicy>(p =>
        {
            Remember(p);
            var answersSync = _syncsUnanswered > 0;
            if (answersSync) _syncsUnanswered--;
            if (answersSync || !IsRepeatTheDeviceHas(p)) SendPolicy(p);
        });
        Receive<AssignmentTable>(t =>
        {
            RememberTable(t);
            Send(t);
        });
        Receive<TelemetryProtocol.Ack>(Send);
        Receive<TelemetryProtocol.Rejected>(Send);
        Receive<DeviceReplies.AuditHeadAnswer>(Send);
        Receive<ControlNodeGone>(_ =>
        {
            _outbox.TryWrite(CloudFrames.RenewCredentials());
            _ackedEpoch = -1;
        });
        Common();
    }

    private void Common()
    {
        Receive<DeviceReplies.Refused>(r => Refuse(r.Reason));
        Receive<Close>(c => Refuse(c.Reason));
        Receive<StreamEnded>(_ => Context.Stop(Self));
        Receive<CheckExpiry>(_ => WatchExpiry());
        // Broadcasts before registration finished are not sent: the device syncs policy and table once registered, and a
        // policy kept here reaches it with its next heartbeat should that sync answer with an older epoch (a table kept
        // here answers its pulls).
        Receive<SignedKillPolicy>(Remember);
        Receive<AssignmentTable>(RememberTable);
        Receive<ControlNodeGone>(_ => { });
    }

    /// <summary>The registry accepted the device (again): its tags from now on, and the answer (with credentials) to the device.</summary>
    private void Accepted(DeviceReplies.Registered r)
    {
        _tags = r.Tags ?? _tags;
        Send(r);
    }

    /// <summary>The frame as a protocol record for this device; a refused frame, or one past the control-frame budget, ends the stream and is audited.</summary>
    private object? Read(DeviceFrame frame)
    {
        if (frame.BodyCase != DeviceFrame.BodyOneofCase.Telemetry && !_controlLimit.TryTake(DateTime.UtcNow))
        {
            var why = $"frame budget: at most {_controlLimit.PerSecond:0.#} frames per second besides telemetry; reconnect later";
            _targets.Audit(_deviceId, "gateway.frame-budget", why);
            Refuse(why);
            return null;
        }
        var message = DeviceFrames.Read(frame, _deviceId, _tags);
        if (message is not DeviceFrames.Refusal no) return message;
        _targets.Audit(_deviceId, "gateway.frame-refused", no.Reason);
        Refuse(no.Reason);
        return null;
    }

    /// <summary>The newest kill policy broadcast to this gateway while the stream is open.</summary>
    private void Remember(SignedKillPolicy policy)
    {
        if (_latestPolicy is null || policy.Epoch >= _latestPolicy.Epoch) _latestPolicy = policy;
    }

    private void SendPolicy(SignedKillPolicy policy)
    {
        _sentEpoch = Math.Max(_sentEpoch, policy.Epoch);
        _sentPolicy = policy;
        _sentPolicyAt = DateTime.UtcNow;
        Send(policy);
    }

    /// <summary>
    /// The authority repeats its policy (every second after a change or a takeover, then every 30 s) because pub-sub
    /// between nodes can lose a broadcast and a singleton handover can lose an ack. This stream is ordered and reliable:
    /// an epoch the device acknowledged on it is sent again only with another trust set, after a control node left
    /// (<see cref="ControlNodeGone"/>), or after <see cref="GatewayLimits.AckedPolicyRepeat"/>, so that an ack lost
    /// beyond the gateway in any other way is made again. At 10,000 devices the repeats would otherwise be 10,000
    /// frames and acks a second for the twenty seconds after every change.
    /// </summary>
    private bool IsRepeatTheDeviceHas(SignedKillPolicy p) =>
        p.Epoch <= _ackedEpoch && _sentPolicy is { } sent && p.Epoch <= sent.Epoch
        && string.Equals(p.TrustSetJson, sent.TrustSetJson, StringComparison.Ordinal)
        && string.Equals(p.TrustUpdateJson, sent.TrustUpdateJson, StringComparison.Ordinal)
        && DateTime.UtcNow - _sentPolicyAt < _ackedPolicyRepeat;

    /// <summary>
    /// A broadcast can reach the stream before its registration finished, while the device's own sync is answered from
    /// an older state: the heartbeat sends the newest epoch the device has not had on this stream. No ask leaves the
    /// gateway for it, so the authority's work does not grow with heartbeats.
    /// </summary>
    private void CatchUpOnPolicy()
    {
        if (_latestPolicy is { } p && p.Epoch > _sentEpoch) SendPolicy(p);
    }

    /// <summary>
    /// A device pulls the table with every heartbeat, in case it missed a broadcast. The connection answers from the
    /// newest table it has seen (broadcasts reach it through the gateway's one subscription) and asks the campaign store
    /// only when it has none, or once every <see cref="PullsPerStoreAsk"/> pulls should the gateway itself have missed
    /// one: the store's work stays a fraction of the fleet's heartbeats.
    /// </summary>
    private void AnswerTablePull(GetAssignmentTable pull)
    {
        if (_latestTable is { } table && ++_pullsSinceStoreAsk < PullsPerStoreAsk)
        {
            Send(table);
            return;
        }
        _pullsSinceStoreAsk = 0;
        _targets.Campaigns.Tell(pull);
    }

    /// <summary>A republished table (the trust changed) has the same revision and replaces the one held.</summary>
    private void RememberTable(AssignmentTable table)
    {
        if (_latestTable is null || table.Revision >= _latestTable.Revision) _latestTable = table;
    }

    private void Send(object message)
    {
        foreach (var frame in CloudFrames.From(message))
        {
            if (_outbox.TryWrite(frame)) continue;
            _log.Warning("device {0} does not keep up with its stream (send queue full): dropping it; it reconnects and resyncs", _deviceId);
            Context.Stop(Self);
            return;
        }
    }

    private void Refuse(string reason)
    {
        _log.Warning("closing the stream of device {0}: {1}", _deviceId, reason);
        _outbox.TryWrite(CloudFrames.Refused(reason));
        Context.Stop(Self);
    }
}
