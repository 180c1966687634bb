using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Fleet.Shared.Security.Pki;
using static Fleet.Shared.Cluster.Attestation.NodeAttestationProtocol;

namespace Fleet.Shared.Cluster.Attestation;

/// <summary>
/// Runs on every TLS node under a well-known name. It answers challenges with this node's signed statement, and
/// challenges every other member it sees joining or up: a member whose statement does not check out (or that does not
/// answer within <c>timeout</c>) is logged once, published as <see cref="MemberRefused"/> and downed.
/// </summary>
public sealed class NodeAttestor : ReceiveActor, IWithTimers
{
    /// <summary>Prefix of the one line a node logs when it refuses a member.</summary>
    public const string RefusalLogPrefix = "refused cluster member";
    private static readonly TimeSpan ResendEvery = TimeSpan.FromSeconds(1);

    private sealed record Pending(Member Member, byte[] Nonce, DateTimeOffset Deadline);

    private sealed class Tick : INoSerializationVerificationNeeded, IDeadLetterSuppression
    {
        public static readonly Tick Instance = new();
    }

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly X509Certificate2 _certificate;
    private readonly FleetTrust _trust;
    private readonly TimeSpan _timeout;
    private readonly Dictionary<UniqueAddress, Pending> _pending = new();
    /// <summary>Members already decided (accepted or refused): each is checked once per incarnation.</summary>
    private readonly HashSet<UniqueAddress> _settled = new();

    public NodeAttestor(X509Certificate2 certificate, FleetTrust trust, TimeSpan timeout)
    {
        _certificate = certificate;
        _trust = trust;
        _timeout = timeout;
        Receive<Challenge>(c => Sender.Tell(NodeAttestation.Sign(_certificate, _cluster.SelfAddress, _cluster.SelfRoles, c.Nonce, DateTimeOffset.UtcNow)));
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            _pending.Remove(e.Member.UniqueAddress);
            _settled.Remove(e.Member.UniqueAddress);
        });
        Receive<ClusterEvent.IMemberEvent>(e => Consider(e.Member));
        Receive<Statement>(OnStatement);
        Receive<Tick>(_ => OnTick());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(X509Certificate2 certificate, FleetTrust trust, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new NodeAttestor(certificate, trust, timeout));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberJoined), typeof(ClusterEvent.MemberWeaklyUp), typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
        Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, ResendEvery);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Consider(Member member)
    {
        if (member.UniqueAddress.Equals(_cluster.SelfUniqueAddress) || _settled.Contains(member.UniqueAddress) || _pending.ContainsKey(member.UniqueAddress)) return;
        if (member.Status is not (MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up)) return;
        var pending = new Pending(member, RandomNumberGenerator.GetBytes(32), DateTimeOffset.UtcNow + _timeout);
        _pending[member.UniqueAddress] = pending;
        Challenge(pending);
    }

    private void Challenge(Pending p) =>
        Context.ActorSelection(new RootActorPath(p.Member.Address) / "user" / ActorNames.NodeAttestation).Tell(new Challenge(p.Nonce));

    private void OnStatement(Statement statement)
    {
        // Matched by nonce, not by sender: the nonce is what this node asked, whoever relays the answer.
        var pending = _pending.Values.FirstOrDefault(p => CryptographicOperations.FixedTimeEquals(p.Nonce, statement.Nonce));
        if (pending is null) return;
        var reason = NodeAttestation.Check(_trust, statement, pending.Member.Address, pending.Member.Roles, pending.Nonce, DateTimeOffset.UtcNow);
        if (reason is null)
        {
            _pending.Remove(pending.Member.UniqueAddress);
            _settled.Add(pending.Member.UniqueAddress);
            _log.Debug("member {0} attested roles {1}", pending.Member.Address, string.Join(",", pending.Member.Roles));
            Context.System.EventStream.Publish(new MemberAttested(pending.Member.Address));
        }
        else Refuse(pending.Member, reason);
    }

    private void OnTick()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var p in _pending.Values.ToList())
        {
            if (now > p.Deadline) Refuse(p.Member, $"no attestation answer within {_timeout.TotalSeconds:0.#} s");
            else Challenge(p);
        }
    }

    private void Refuse(Member member, string reason)
    {
        _pending.Remove(member.UniqueAddress);
        _settled.Add(member.UniqueAddress);
        var roles = member.Roles.Order(StringComparer.Ordinal).ToList();
        _log.Warning("{0} {1} (roles {2}): {3}; downing it", RefusalLogPrefix, member.Address, string.Join(",", roles), reason);
        Context.System.EventStream.Publish(new MemberRefused(member.Address, roles, reason));
        _cluster.Down(member.Address);
    }
}
