using System.Text;
using System.Text.Json;
using Akka.Actor;
using Fleet.Cloud.Authority;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Fleet.Shared.Persistence;
using Fleet.Shared.Cluster;
using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Campaigns.CampaignCommands;

namespace Fleet.Cloud.Campaigns;

/// <summary>
/// The campaign store (cluster singleton on control nodes, persistent): numbered versions, models, assignments and
/// the signed manifest of each version. After every change devices must hear about, it publishes the
/// <see cref="AssignmentTable"/> (with the trust set) on the cluster; it also keeps each device's last sync report.
/// </summary>
public sealed class CampaignStoreActor : SnapshottingActor
{
    public static readonly TimeSpan ManifestLifetime = TimeSpan.FromDays(30);
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(7);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SigningKeyRing _keys;
    private readonly TrustUpdateIssuer? _trust;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, DeviceSyncReport> _sync = new(StringComparer.Ordinal);
    private CampaignStoreState _state = new();
    private (long Revision, string Kid, AssignmentTable Table)? _signedTable;

    public CampaignStoreActor(SigningKeyRing keys, TimeProvider clock, TrustUpdateIssuer? trust = null)
    {
        _keys = keys;
        _trust = trust;
        _clock = clock;
        Recover<IFleetEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => PublishTable());

        Command<PublishVersion>(cmd =>
        {
            var (reply, events) = _state.Publish(cmd, Now);
            if (events.Count == 0) { Sender.Tell(reply); return; }
            var sender = Sender;
            Persist(events[0], e =>
            {
                _state = _state.Apply(e);
                var created = (CampaignEvents.VersionCreated)e;
                _log.Info("campaign {0} v{1} published by {2}", created.CampaignId, created.Version, created.By);
                SignThen(created.CampaignId, created.Version, () => { sender.Tell(reply); PublishTable(); });
            });
        });
        Command<PublishModel>(cmd => PersistThenReply(_state.PublishModel(cmd, Now), Sender));
        Command<Assign>(cmd => PersistThenReply(_state.Assign(cmd, Now), Sender, PublishTable));
        Command<ListCampaigns>(_ => Sender.Tell(new CampaignReplies.CampaignList(_state.Campaigns.Values.Select(_state.Summary).ToList())));
        Command<GetCampaign>(q => Sender.Tell(_state.Campaigns.TryGetValue(q.CampaignId, out var c)
            ? _state.Detail(c) : Refused.NotFound($"campaign '{q.CampaignId}' does not exist")));
        Command<ListModels>(_ => Sender.Tell(new CampaignReplies.ModelList(_state.Models.Values.ToList())));
        Command<GetManifest>(q =>
        {
            if (Find(q.CampaignId, q.Version) is not { } v)
            {
                Sender.Tell(Refused.NotFound($"campaign '{q.CampaignId}' has no version {q.Version}"));
                return;
            }
            if (_state.IsOutOfFleet(q.CampaignId, q.Version))
            {
                Sender.Tell(new Refused(RefusalCode.Gone, $"campaign '{q.CampaignId}' v{q.Version} was withdrawn; it is neither signed nor served"));
                return;
            }
            var sender = Sender;
            SignThen(q.CampaignId, q.Version, () =>
                sender.Tell(new CampaignReplies.ManifestJson(q.CampaignId, q.Version, Find(q.CampaignId, q.Version)!.Signed!.EnvelopeJson)));
        });
        Command<GetReview>(q => Sender.Tell(_state.Review(q.CampaignId, q.Version)));
        Command<ReviewVariant>(cmd => PersistThenReply(_state.ReviewVariant(cmd, Now), Sender));
        Command<CheckDeviceAccess>(q => Sender.Tell(_state.CheckDevice(q)));
        Command<ResolveArtifact>(q => Sender.Tell(_state.Resolve(q.Artifact)));
        Command<SetOverlay>(cmd => PersistThenReply(_state.SetOverlay(cmd.Overlay, Now), Sender, PublishTable));
        Command<ClearOverlay>(cmd => PersistThenReply(_state.ClearOverlay(cmd.RolloutId, Now), Sender, PublishTable));
        Command<MarkVersion>(cmd => PersistThenReply(_state.Mark(cmd, Now), Sender, PublishTable));
        Command<GetAssignmentTable>(_ => Sender.Tell(Table()));
        // The change may have been made on another control node: the ring is re-read from the database before use.
        Command<TrustChanged>(_ =>
        {
            if (_keys.TryReload() is { } error) Context.GetLogger().Warning("trust changed but the key ring could not be re-read: {0}", error);
            PublishTable();
        });
        Command<DeviceSyncReport>(r => _sync[r.DeviceId] = r);
        Command<GetSyncStatus>(q => Sender.Tell(new CampaignReplies.SyncStatus(_sync.Values
            .Where(r => q.CampaignId is null || r.Running.Any(c => c.CampaignId == q.CampaignId) || r.Rejections.Any(x => x.CampaignId == q.CampaignId))
            .OrderBy(r => r.DeviceId, StringComparer.Ordinal).ToList())));
    }

    public override string PersistenceId => "campaigns";

    protected override IFleetEvent TakeSnapshot() => _state.ToSnapshot();

    protected override void RestoreSnapshot(object snapshot) => _state = CampaignStoreState.FromSnapshot((CampaignsSnapshot)snapshot);

    /// <summary>Only senders allowed to send a message reach the handlers (<see cref="CommandGuard"/>).</summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        !CommandGuard.Admit(Context, message, Context.GetLogger()) || base.AroundReceive(receive, message);

    public static Props Props(SigningKeyRing keys, TimeProvider? clock = null, TrustUpdateIssuer? trust = null) =>
        Akka.Actor.Props.Create(() => new CampaignStoreActor(keys, clock ?? TimeProvider.System, trust));

    private DateTimeOffset Now => _clock.GetUtcNow();

    private CampaignStoreState.VersionEntry? Find(string id, int version) =>
        _state.Campaigns.TryGetValue(id, out var c) ? c.Versions.FirstOrDefault(v => v.Created.Version == version) : null;

    /// <summary>Signs (or re-signs) a version when it needs it, persists the envelope, then continues.</summary>
    private void SignThen(string campaignId, int version, Action then)
    {
        var entry = Find(campaignId, version)!;
        var trusted = _keys.ExportTrustSet();
        if (!CampaignStoreState.NeedsSigning(entry, kid => trusted.Keys.ContainsKey(kid), Now, RenewBefore)) { then(); return; }
        var draft = JsonSerializer.Deserialize<Manifest>(entry.Created.DraftJson, FleetJson.Options)!;
        var now = Now;
        var manifest = draft with { Version = version, IssuedAt = now, ExpiresAt = now + ManifestLifetime };
        var signed = ManifestSigner.Sign(manifest, _keys);
        Persist(new CampaignEvents.ManifestSigned(campaignId, version, Encoding.UTF8.GetString(signed.ToJsonBytes()), signed.Kid, manifest.ExpiresAt), e =>
        {
            _state = _state.Apply(e);
            then();
        });
    }

    private void PersistThenReply((object Reply, IReadOnlyList<IFleetEvent> Events) decided, IActorRef sender, Action? after = null)
    {
        var (reply, events) = decided;
        if (events.Count == 0) { sender.Tell(reply); return; }
        var left = events.Count;
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            if (--left > 0) return;
            sender.Tell(reply);
            after?.Invoke();
        });
    }

    /// <summary>The current table, its directives signed by the active key; signed again only when the revision or the key changed.</summary>
    private AssignmentTable Table()
    {
        var trustSet = _keys.ExportTrustSetText();
        if (_signedTable is not { } last || last.Revision != _state.Revision || last.Kid != _keys.ActiveKid)
        {
            using var signer = _keys.ActiveSigner();
            _signedTable = last = (_state.Revision, signer.Kid, SignedAssignments.Sign(_state.Table(trustSet), signer));
        }
        return last.Table with { TrustSetJson = trustSet, TrustUpdateJson = _trust?.Current() };
    }

    private void PublishTable() => DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(AssignmentTable.Topic, Table()));
}

/// <summary>Registry key of the campaign store singleton (its proxy on every node, devices included).</summary>
public sealed class CampaignStore;

public static class CampaignStoreWiring
{
    public static readonly ClusterSingletonOptions Options = new() { Role = FleetCluster.ControlRole };

    public static AkkaConfigurationBuilder AddCampaignStore(this AkkaConfigurationBuilder b, bool isControl, SigningKeyRing keys, TrustUpdateIssuer trust) => isControl
        ? b.WithSingleton<CampaignStore>(ActorNames.Singletons.Campaigns, SingletonSupervision.Props(CampaignStoreActor.Props(keys, trust: trust), ActorNames.Singletons.Campaigns), Options)
        : b.WithSingletonProxy<CampaignStore>(ActorNames.Singletons.Campaigns, Options);
}
