using Akka.Actor;
using Akka.Event;
using Fleet.Cloud.Authority;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Persistence;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Tokens;

/// <summary>
/// The persistent token store (a cluster singleton on control nodes, journal in the node's SQLite or PostgreSQL).
/// It persists what <see cref="TokenState"/> decides; secrets are generated here, answered once and never stored.
/// </summary>
public sealed class TokenStoreActor : SnapshottingActor
{
    private TokenState _state = new();

    public TokenStoreActor(string apiUrl)
    {
        Recover<IFleetEvent>(e => _state = _state.Apply(e));
        Command<TokenCommands.Create>(cmd => CreateAndReply(cmd, Sender, r => r));
        Command<TokenCommands.IssueDeviceToken>(cmd =>
            CreateAndReply(new TokenCommands.Create(TokenRoles.Device, cmd.DeviceId, "registration", TokenState.RegistryIssuer), Sender,
                r => r is TokenReplies.Created c ? new TokenReplies.DeviceToken(cmd.DeviceId, c.Token, apiUrl) : r));
        Command<TokenCommands.Revoke>(cmd =>
        {
            var (reply, events) = _state.Revoke(cmd, DateTimeOffset.UtcNow);
            PersistThenReply(events, Sender, reply);
        });
        Command<TokenCommands.List>(_ => Sender.Tell(new TokenReplies.Listed(_state.List())));
        Command<TokenCommands.Authenticate>(q => Sender.Tell(new TokenReplies.Lookup(_state.Lookup(q.Sha256))));
    }

    public override string PersistenceId => "tokens";

    /// <remarks>
    /// Events are applied before their write completes; replaying one over the snapshot sets what it already set.
    /// Revoked tokens past their retention leave the state here.
    /// </remarks>
    protected override IFleetEvent TakeSnapshot() => (_state = _state.Retain(DateTimeOffset.UtcNow)).ToSnapshot();

    protected override void RestoreSnapshot(object snapshot) => _state = TokenState.FromSnapshot((TokensSnapshot)snapshot);

    /// <summary>Only senders allowed to send a message reach the handlers (<see cref="CommandGuard"/>).</summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        !CommandGuard.Admit(Context, message, Context.GetLogger()) || base.AroundReceive(receive, message);

    private void CreateAndReply(TokenCommands.Create cmd, IActorRef sender, Func<object, object> shape)
    {
        var secret = TokenSecrets.NewToken(cmd.Role ?? "x");
        var (reply, events) = _state.Create(cmd, TokenSecrets.NewId(), TokenSecrets.Hash(secret), DateTimeOffset.UtcNow);
        if (reply is TokenReplies.Created created) reply = created with { Token = secret };
        PersistThenReply(events, sender, shape(reply));
    }

    /// <summary>
    /// The state changes at once and the reply waits for the journal. Every registration issues a token: waiting for each
    /// write before taking the next command made this singleton the registration bottleneck (one journal round trip per
    /// device), while writes in flight together share one journal batch. A secret is answered only once it is durable;
    /// a failed write stops the store, which recovers from the journal.
    /// </summary>
    private void PersistThenReply(IReadOnlyList<IFleetEvent> events, IActorRef sender, object reply)
    {
        if (events.Count == 0) { sender.Tell(reply); return; }
        foreach (var e in events) _state = _state.Apply(e);
        var left = events.Count;
        PersistAllAsync(events, _ => { if (--left == 0) sender.Tell(reply); });
    }
}

/// <summary>Registry key of the token store singleton (its proxy on every node).</summary>
public sealed class TokenStore;

public static class TokenStoreWiring
{
    private static readonly ClusterSingletonOptions Options = new() { Role = FleetCluster.ControlRole };

    /// <param name="apiUrl">Where devices reach the API; sent with each device token.</param>
    public static AkkaConfigurationBuilder AddTokenStore(this AkkaConfigurationBuilder b, bool isControl, string apiUrl) => isControl
        ? b.WithSingleton<TokenStore>(ActorNames.Singletons.Tokens, SingletonSupervision.Props(Props.Create(() => new TokenStoreActor(apiUrl)), ActorNames.Singletons.Tokens), Options)
        : b.WithSingletonProxy<TokenStore>(ActorNames.Singletons.Tokens, Options);
}
