using Akka.Actor;
using Fleet.Cloud.Authority;
using Fleet.Cloud.Enrolment;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Fleet.Shared.Tokens;
using Fleet.Shared.Devices;
using Fleet.Shared.Gateway;
using Fleet.Shared.Persistence;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Devices.DeviceCommands;

namespace Fleet.Cloud.Devices;

/// <summary>The sharded, persistent registry entity of one device: persists what <see cref="DeviceState"/> decides.</summary>
public sealed class DeviceActor : SnapshottingActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DeviceState _state;
    private readonly IActorRef? _tokens;

    /// <param name="trust">The fleet CA check when remoting runs with mutual TLS; null on an <c>--insecure-dev</c> cluster.</param>
    /// <param name="renewal">Signs renewed device certificates; null on an <c>--insecure-dev</c> cluster.</param>
    public DeviceActor(string deviceId, FleetTrust? trust, DeviceCertificateRenewal? renewal = null, IActorRef? tokens = null)
    {
        _tokens = tokens;
        _state = new DeviceState(deviceId);
        PersistenceId = "device-" + deviceId;

        Recover<IFleetEvent>(e => _state = _state.Apply(e));
        // Connectivity lives in memory. An entity started again (hand-over to another control node, passivation)
        // reads it from membership; otherwise a device that stayed connected is listed offline until it registers again.
        Recover<RecoveryCompleted>(_ =>
        {
            if (_state.IsRegistered && DeviceLivenessWatcher.CurrentOf(deviceId, Akka.Cluster.Cluster.Get(Context.System).State) is (var state, var address))
                _state = _state.AsMember(address, state);
        });

        Command<Register>(cmd =>
        {
            var now = DateTimeOffset.UtcNow;
            if (trust is not null && RegistrationProof.Check(trust, cmd, now) is { } unproven)
            {
                // An impostor changes nothing here: no event, no remembered entity; its stream (or its development member) is ended.
                RefuseAndDown(cmd.DeviceId, unproven);
                LingerIfUnknown();
                return;
            }
            var (reply, events) = _state.Handle(cmd, now);
            if (reply is DeviceReplies.Registered registered)
            {
                DeviceMetrics.Registered(registered.FirstTime);
                Connected(cmd.Address);
                Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.Get(Context.System).Mediator
                    .Tell(new Akka.Cluster.Tools.PublishSubscribe.Publish(RegistrationNotice.Topic, new RegistrationNotice(deviceId)));
            }
            else if (_state.RevokedAt is not null) { DeviceMetrics.Refused(); RefuseAndDown(cmd.DeviceId, ((DeviceReplies.Refused)reply).Reason); return; }
            else
            {
                DeviceMetrics.Refused();
                _log.Warning("refused registration of {0}: {1}", cmd.DeviceId, ((DeviceReplies.Refused)reply).Reason);
            }
            PersistAndReply(events, reply, reply is DeviceReplies.Registered ok ? WithCredentials(ok) : null);
        });
        Command<IssueEnrolmentCode>(cmd => Decide(_state.Handle(cmd, DateTimeOffset.UtcNow)));
        Command<CheckEnrolmentCode>(cmd =>
        {
            // A query: a wrong code for an id nobody enrolled leaves no event and no remembered entity.
            Sender.Tell(_state.Handle(cmd, DateTimeOffset.UtcNow));
            LingerIfUnknown();
        });
        Command<RedeemEnrolmentCode>(cmd => Decide(_state.Handle(cmd, DateTimeOffset.UtcNow)));
        Command<RecordEnrolment>(cmd => Decide(_state.Handle(cmd, DateTimeOffset.UtcNow)));
        Command<Revoke>(cmd =>
        {
            var (reply, events) = _state.Handle(cmd, DateTimeOffset.UtcNow);
            if (reply.Known && events.Count > 0) _log.Warning("device {0} revoked by {1}", cmd.DeviceId, cmd.By);
            Decide((reply, events));
        });
        Command<RenewCertificate>(cmd =>
        {
            var now = DateTimeOffset.UtcNow;
            if (renewal is null) { Sender.Tell(new DeviceReplies.CertificateRefused(cmd.DeviceId, "this cloud runs without a fleet CA (--insecure-dev)")); return; }
            var (cert, refusal) = _state.RenewalRefusal(now, renewal.MinInterval) is { } no ? (null, renewal.Refuse(cmd.DeviceId, no)) : renewal.Issue(cmd.DeviceId, cmd.CsrPem);
            if (cert is null)
            {
                _log.Warning("refused to renew the certificate of {0}: {1}", cmd.DeviceId, refusal);
                Sender.Tell(new DeviceReplies.CertificateRefused(cmd.DeviceId, refusal!));
                LingerIfUnknown();
                return;
            }
            using (cert)
                PersistAndReply(new IFleetEvent[] { new DeviceEvents.CertificateRenewed(cert.SerialNumber, cert.NotAfter.ToUniversalTime(), now) },
                    new DeviceReplies.CertificateIssued(cmd.DeviceId, cert.ExportCertificatePem()));
        });
        Command<Heartbeat>(hb =>
        {
            var now = DateTimeOffset.UtcNow;
            var events = _state.Handle(hb, now);
            if (_state.Facts?.InstallationId == hb.InstallationId)
            {
                _state = _state.Touch(now);
                // An entity started again (hand-over, passivation) learns from the next heartbeat that its device is connected.
                if (_state.RevokedAt is null && !Sender.Equals(_stream) && GatewayPaths.DeviceOf(Sender.Path) == hb.DeviceId) Connected(DeviceFrames.GatewayAddress);
            }
            PersistAll(events, e => _state = _state.Apply(e));
        });
        Command<ConnectivityChanged>(change =>
        {
            // Membership news about a device that never registered must not keep a remembered entity.
            if (!_state.IsRegistered) { LingerIfUnknown(); return; }
            _state = _state.With(change);
        });
        Command<Terminated>(t =>
        {
            // The gateway connection that carried this device ended (stream closed, gateway gone): offline until it reconnects.
            if (!t.ActorRef.Equals(_stream)) return;
            _stream = null;
            _state = _state.With(new ConnectivityChanged(deviceId, Connectivity.Offline, t.ActorRef.Path.ToString(), DateTimeOffset.UtcNow));
        });
        Command<SubmitAuditHead>(cmd =>
        {
            var now = DateTimeOffset.UtcNow;
            var refusal = _state.RevokedAt is not null ? $"device '{deviceId}' is revoked" : cmd.Head.Check(deviceId, trust);
            var (reply, events) = _state.AuditHeads.Offer(cmd, refusal is null ? Kept(cmd.Head, now) : null, refusal, now);
            if (!reply.Accepted)
            {
                // A bad signature or a rewritten chain is a finding about the device: logged, and in this node's audit log.
                _log.Warning("audit head of device {0} refused: {1}", deviceId, reply.Reason);
                CommandGuard.Record(Context.System, $"device:{deviceId}", events.Count > 0 ? "device.audit-rewritten" : "device.audit-head-refused",
                    deviceId, $"seq {cmd.Head.Seq}: {reply.Reason}");
            }
            PersistAndReply(events, reply);
        });
        Command<GetAuditHeads>(_ =>
        {
            Sender.Tell(new DeviceReplies.AuditHeads(deviceId, _state.AuditHeads.Heads, _state.AuditHeads.Rewrites));
            LingerIfUnknown();
        });
        Command<Get>(_ =>
        {
            Sender.Tell(_state.ToView());
            LingerIfUnknown();
        });
        Command<ReceiveTimeout>(_ =>
        {
            if (_state.IsKnown) Context.SetReceiveTimeout(null);
            else Context.Parent.Tell(new Passivate(Stop.Instance));
        });
        Command<Stop>(_ => Context.Stop(Self));
    }

    private static DeviceReplies.KeptAuditHead Kept(Shared.Audit.SignedAuditHead h, DateTimeOffset now)
    {
        using var cert = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(h.Certificate);
        return new DeviceReplies.KeptAuditHead(h.Seq, h.Hash, h.At, h.Signature, cert.PublicKey.ExportSubjectPublicKeyInfo(), cert.SerialNumber, now);
    }

    /// <summary>The gateway connection of a device that registered through a gateway; watched so its end means offline.</summary>
    private IActorRef? _stream;

    /// <summary>
    /// Up at <paramref name="address"/>. Through a gateway the sender is the device's connection actor: its path is the
    /// address shown, and its death (stream closed, gateway gone) makes the device offline.
    /// </summary>
    private void Connected(string address)
    {
        if (address != DeviceFrames.GatewayAddress || GatewayPaths.DeviceOf(Sender.Path) is null)
        {
            _state = _state.AsMember(address, Connectivity.Up);
            return;
        }
        if (_stream is not null && !_stream.Equals(Sender)) Context.Unwatch(_stream);
        _stream = Sender;
        Context.Watch(_stream);
        _state = _state.AsMember(Sender.Path.ToString(), Connectivity.Up);
    }

    /// <summary>
    /// How long an entity without a record stays after a lookup or membership news. Listings look up devices that have
    /// joined but not yet registered; passivating at once raced their registration (the entity stopped right after it
    /// registered, and came back without its live connectivity).
    /// </summary>
    private static readonly TimeSpan UnknownLinger = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Passivation and shard hand-off stop an entity with this command rather than a PoisonPill: a command waits while
    /// an event is being persisted, a PoisonPill does not, and the reply to the device would be lost.
    /// </summary>
    public sealed class Stop
    {
        public static readonly Stop Instance = new();
        private Stop() { }
    }

    /// <summary>A lookup of an unknown id must not leave a remembered, empty entity behind for long.</summary>
    private void LingerIfUnknown()
    {
        if (!_state.IsKnown) Context.SetReceiveTimeout(UnknownLinger);
    }

    private static readonly TimeSpan TokenIssueTimeout = TimeSpan.FromSeconds(10);

    private void Decide((object Reply, IReadOnlyList<IFleetEvent> Events) decision)
    {
        PersistAndReply(decision.Events, decision.Reply);
        if (decision.Events.Count == 0) LingerIfUnknown();
    }

    private void RefuseAndDown(string deviceId, string reason)
    {
        var from = Sender.Path.Address;
        _log.Warning("refused registration of {0} from {1}: {2}", deviceId, Sender.Path, reason);
        Sender.Tell(new DeviceReplies.Refused(deviceId, reason));
        // A device member (development membership) is removed from the cluster; through a gateway, the refusal ends
        // the device's stream and the gateway node itself is never touched.
        var member = Akka.Cluster.Cluster.Get(Context.System).State.Members.FirstOrDefault(m => m.Address == from);
        if (member is not null && member.HasRole(Fleet.Shared.Cluster.FleetCluster.EdgeRole)) Akka.Cluster.Cluster.Get(Context.System).Down(from);
    }

    public override string PersistenceId { get; }

    protected override IFleetEvent TakeSnapshot() => _state.ToSnapshot();

    protected override void RestoreSnapshot(object snapshot) => _state = DeviceState.FromSnapshot(_state.DeviceId, (DeviceSnapshot)snapshot);

    /// <summary>What every node's <see cref="DeviceIndex"/> last heard from this entity; last-seen counts in whole minutes.</summary>
    private DeviceReplies.DeviceView? _published;

    /// <summary>
    /// Only senders allowed to send a message reach the handlers (<see cref="CommandGuard"/>); after any message (persist
    /// callbacks included), a view that changed in a way listings show is published.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        if (!CommandGuard.Admit(Context, message, _log)) return true;
        var handled = base.AroundReceive(receive, message);
        if (!_state.IsRegistered) return handled;
        // The whole view a listing shows is compared (a field added to it is published without anyone listing it
        // here), with last seen in whole minutes so a heartbeat does not publish every time.
        var view = _state.ToView();
        var key = view with { LastSeen = view.LastSeen is { } seen ? DateTimeOffset.FromUnixTimeSeconds(seen.ToUnixTimeSeconds() / 60 * 60) : null };
        if (_published != key)
        {
            _published = key;
            Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.Get(Context.System).Mediator
                .Tell(new Akka.Cluster.Tools.PublishSubscribe.Publish(DeviceIndex.Topic, view));
        }
        return handled;
    }

    /// <param name="tokens">The token store that issues the device's API token with each registration (none: no token).</param>
    public static Props Props(string deviceId, FleetTrust? trust, DeviceCertificateRenewal? renewal = null, IActorRef? tokens = null) =>
        Akka.Actor.Props.Create(() => new DeviceActor(deviceId, trust, renewal, tokens));

    private void PersistAndReply(IReadOnlyList<IFleetEvent> events, object reply, Action<IActorRef>? replyWith = null)
    {
        var sender = Sender;
        var send = replyWith ?? (s => s.Tell(reply));
        if (events.Count == 0) { send(sender); return; }
        var remaining = events.Count;
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            if (--remaining == 0) send(sender);
        });
    }

    /// <summary>
    /// A registered device is answered at once, then gets its API token in a second reply that carries it (a fresh one
    /// each registration, replacing the last): registration never waits for the token store, which may still be starting.
    /// </summary>
    private Action<IActorRef> WithCredentials(DeviceReplies.Registered reply) => sender =>
    {
        sender.Tell(reply);
        if (_tokens is not { } tokens) return;
        tokens.Ask<TokenReplies.DeviceToken>(new TokenCommands.IssueDeviceToken(reply.DeviceId), TokenIssueTimeout)
            .ContinueWith(t => { if (t.IsCompletedSuccessfully) sender.Tell(reply with { Credentials = new DeviceCredentials(t.Result.Token, t.Result.ApiUrl) }); },
                TaskScheduler.Default);
    };
}
