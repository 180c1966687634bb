using Akka.Actor;
using Akka.Event;
using Fleet.Edge.Hosting;
using Fleet.Edge.Personalisation;
using Fleet.Shared.Cli;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Http;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;
using Fleet.Shared.Tokens;
using static Fleet.Edge.Manifests.ManifestsProtocol;

namespace Fleet.Edge.Manifests;

/// <summary>
/// The edge <c>manifests</c> actor. From the link it gets the device's API credentials and the assignment table (with
/// the trust set); it fetches each assigned campaign's newest version, verifies it, and only then swaps it in. Last
/// good versions stay in force through rejections and outages; every rejection is kept for the status and the cloud.
/// </summary>
public sealed class ManifestsActor : ReceiveActor, IWithTimers
{
    public const string Name = Fleet.Shared.Cluster.ActorNames.Edge.Manifests;
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(15);
    /// <summary>How long renders wait on the old model for the pipeline to warm up with a new one.</summary>
    private static readonly TimeSpan WarmTimeout = TimeSpan.FromSeconds(30);
    /// <summary>A failed sync is tried again after 1, 2, 4, 8, then every 15 s; the cache stays in force meanwhile.</summary>
    private static readonly Fleet.Shared.Resilience.Backoff SyncBackoff = new(TimeSpan.FromSeconds(1), MaxRetryDelay);

    private readonly string _deviceId;
    private readonly IReadOnlyDictionary<string, string> _tags;
    private readonly ManifestCache _cache;
    private readonly TimeProvider _clock;
    private readonly HttpClient _http;
    private readonly ManifestFetcher _fetcher;
    private readonly ModelFiles _modelFiles;
    private readonly PriorSync _priors;
    private static readonly TimeSpan PriorEvery = TimeSpan.FromHours(1);
    private readonly ModelSlots _models = new();
    private bool _modelBusy;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<SyncRejection> _rejections;
    private readonly HashSet<(string, int)> _refused = new();
    private Dictionary<string, SignedManifest> _inForce;
    private readonly Identity.DeviceTrust? _held;
    private readonly IActorRef? _audit;
    private readonly Func<string, Task<string?>>? _prepare;
    private TrustSet _trust;
    private DeviceCredentials? _credentials;
    private AssignmentTable? _table;
    private long _heldRevision;
    private string? _lastTableRefusal;
    private IActorRef? _reportTo;
    private IActorRef? _pipeline;
    private string? _busyWith;
    private string? _lastError;
    private int _failures;

    public ManifestsActor(string deviceId, IReadOnlyDictionary<string, string> tags, string dataDir, TimeProvider? clock = null,
        System.Security.Cryptography.X509Certificates.X509Certificate2? root = null, IActorRef? audit = null, Store.AssetGuard? guard = null,
        Func<string, Task<string?>>? prepare = null, HttpClient? http = null)
    {
        _http = http ?? FleetHttp.Create(FleetHttp.CloudDownloads);
        _audit = audit;
        _prepare = prepare;
        _deviceId = deviceId;
        _tags = tags;
        _clock = clock ?? TimeProvider.System;
        _cache = new ManifestCache(dataDir);
        _fetcher = new ManifestFetcher(_http, _cache, _clock);
        _modelFiles = new ModelFiles(dataDir, _http, guard);
        _priors = new PriorSync(_http, new Personalisation.Bandit.PriorFiles(dataDir), _clock);
        _rejections = _cache.LoadRejections();
        _heldRevision = _cache.LoadAssignmentRevision();
        _held = OpenTrust(root);
        _trust = _held?.Set ?? TrustSet.Empty;
        _inForce = _cache.LoadInForce(_trust, (id, why) => AgentLog.Write($"manifests: dropped kept {id}: {why}"));
        _table = KeptTable();
        FollowPinnedModels();
        if (_table is not null) FollowModelOverlays(_table);

        Receive<DeviceCredentials>(c =>
        {
            _credentials = c;
            _reportTo = Sender;
            Kick();
            KickModels();
            SyncPriors();
            Timers.StartPeriodicTimer(SyncPriorsNow.Instance, SyncPriorsNow.Instance, PriorEvery);
        });
        Receive<AssignmentTable>(t =>
        {
            _reportTo = Sender;
            Apply(t);
            Kick();
        });
        Receive<FetchOutcome>(Done);
        Receive<PreparedAhead>(InForce);
        Receive<SyncPriorsNow>(_ => SyncPriors());
        Receive<PriorOutcome>(PriorDone);
        Receive<ModelPrepared>(ModelDone);
        Receive<RetryModels>(_ => KickModels());
        Receive<RetryNow>(_ => Kick());
        Receive<Store.AssetQuarantined>(Repair);
        Receive<GetActiveCampaign>(q => Sender.Tell(Active(q.CampaignId)));
        Receive<GetStatus>(_ => Sender.Tell(CurrentStatus()));
        Receive<RenderPipelineListening>(l =>
        {
            _pipeline = l.Pipeline;
            Context.Watch(l.Pipeline);
            AnnounceInForce(_ => true);
        });
        Receive<Terminated>(t => { if (t.ActorRef.Equals(_pipeline)) _pipeline = null; });
        Receive<ModelSwitch>(SwitchModel);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="root">The fleet CA pinned at enrolment: only trust updates it signed are adopted. Null under --insecure-dev.</param>
    /// <param name="guard">Verifies stored files before use; a file it quarantines is fetched again here.</param>
    /// <param name="http">The agent's <see cref="FleetHttp.CloudDownloads"/> client (IHttpClientFactory); null: one of its own.</param>
    /// <param name="prepare">Prepares the template in a verified version's folder (null or why not); the version goes into force after it.</param>
    public static Props Props(string deviceId, IReadOnlyDictionary<string, string> tags, string dataDir, TimeProvider? clock = null,
        System.Security.Cryptography.X509Certificates.X509Certificate2? root = null, IActorRef? audit = null, Store.AssetGuard? guard = null,
        Func<string, Task<string?>>? prepare = null, HttpClient? http = null) =>
        Akka.Actor.Props.Create(() => new ManifestsActor(deviceId, tags, dataDir, clock, root, audit, guard, prepare, http));

    /// <summary>
    /// The versions kept from the last run are announced once a render pipeline listens (<see cref="RenderPipelineListening"/>):
    /// it says so as it starts, and answers <see cref="ManifestsStarted"/>, so whichever of the two actors starts second, the
    /// pipeline is known here and after a restart (online or not) the first ad costs what every other does.
    /// </summary>
    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(Store.AssetQuarantined));
        Context.System.EventStream.Subscribe(Self, typeof(RenderPipelineListening));
        Context.System.EventStream.Publish(new ManifestsStarted(Self));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _stop.Cancel();
        _http.Dispose();
    }

    private void Apply(AssignmentTable received)
    {
        var adopted = OfferTrust(received);
        var (t, refusal) = SignedAssignments.Verify(received, _trust, _heldRevision, _clock.GetUtcNow());
        if (t is null)
        {
            // The last verified table stays in force; the same refusal is said once.
            _lastError = refusal;
            if (refusal == _lastTableRefusal) return;
            _lastTableRefusal = refusal;
            AgentLog.Write($"manifests: {refusal}; keeping revision {_heldRevision}");
            _audit?.Tell(new Shared.Audit.AuditCommands.Record("manifests", "assignments-refused", $"revision {received.Revision}", refusal!));
            return;
        }
        _lastTableRefusal = null;
        if (t.Revision != _heldRevision) _cache.SaveAssignmentRevision(_heldRevision = t.Revision);
        var changed = _table is null || t.Revision != _table.Revision || adopted;
        _table = t;
        if (changed) _cache.SaveAssignments(t);
        if (changed) _refused.Clear();
        if (changed) SyncPriors();
        DropWithdrawn(t);
        FollowPinnedModels();
        FollowModelOverlays(t);
    }

    /// <summary>
    /// The table kept from the last run, verified again (signature, revoked keys, revision; not its key's end, as for kept
    /// manifests: it was in date when received): a device restarted without its cloud keeps the rollout models it was
    /// directed to instead of falling back to the manifest's until the cloud answers.
    /// </summary>
    private AssignmentTable? KeptTable()
    {
        if (_cache.LoadAssignments() is not { } kept) return null;
        var (t, refusal) = SignedAssignments.Verify(kept, _trust, _heldRevision, at: null);
        if (t is not null) return t;
        _lastError = $"kept {refusal}";
        AgentLog.Write($"manifests: {_lastError}; rollout models wait for the cloud's table");
        return null;
    }

    /// <summary>A kept version the fleet withdrew leaves force at once; the assigned version (or nothing) replaces it.</summary>
    private void DropWithdrawn(AssignmentTable t)
    {
        foreach (var (id, signed) in _inForce.Where(kv => t.IsWithdrawn(kv.Key, kv.Value.Manifest.Version)).ToList())
        {
            _inForce.Remove(id);
            AgentLog.Write($"manifests: {id} v{signed.Manifest.Version} was withdrawn by the fleet; it no longer renders");
            _audit?.Tell(new Shared.Audit.AuditCommands.Record("manifests", "withdrawn", $"{id} v{signed.Manifest.Version}", "withdrawn by a signed assignment table"));
        }
    }

    /// <summary>Model overlays that apply to this device take their model name's slot; a withdrawn one puts the manifest's model back.</summary>
    private void FollowModelOverlays(AssignmentTable t)
    {
        var withdrawn = _models.Direct(t.ActiveOverlays.Where(o => o.Kind == Fleet.Shared.Rollouts.ArtifactKind.Model && o.AppliesTo(_deviceId, _tags)));
        foreach (var gone in withdrawn)
        {
            AgentLog.Write($"manifests: model {gone.ArtifactId} no longer directed; back to the manifest's model");
            Record(Shared.Audit.AuditCommands.Actions.ModelSwap, gone.Name, $"{gone.ArtifactId} -> the manifest's model (overlay withdrawn)");
        }
        AnnounceInForce(m => withdrawn.Any(gone => gone.Name == m.Model.Name));
        _modelFiles.CollectGarbage(_models.Shas);
        KickModels();
    }

    /// <summary>Models the manifests in force pin are fetched and verified like an overlay's; until then they render with the built-in model.</summary>
    private void FollowPinnedModels()
    {
        _models.Pin(_inForce.Values.Select(s => s.Manifest.Model));
        KickModels();
    }

    /// <summary>
    /// Prepares the next directed or pinned model that is neither ready nor refused, one at a time. Without credentials
    /// (a restart with no cloud) the models already in the store are made ready, so a pinned model outlives a reboot offline.
    /// </summary>
    private void KickModels()
    {
        if (_modelBusy || _models.Next(o => _credentials is not null || _modelFiles.IsStored(o)) is not { } overlay) return;
        _modelBusy = true;
        var api = _credentials is null ? null : new Uri(_credentials.ApiUrl.TrimEnd('/') + "/");
        _modelFiles.PrepareAsync(api, _credentials?.Token, overlay, _stop.Token)
            .PipeTo(Self, success: r => new ModelPrepared(overlay, r.Model, r.Error), failure: e => new ModelPrepared(overlay, null, $"model-failed: {e.Message}"));
    }

    private void ModelDone(ModelPrepared p)
    {
        _modelBusy = false;
        if (p.Error is not null && p.Error.StartsWith(ModelFiles.DownloadFailed, StringComparison.Ordinal))
        {
            // The cloud was not reachable: that says nothing about the model, so no failure is reported; try again later.
            AgentLog.Write($"manifests: model {p.Overlay.ArtifactId} not fetched ({p.Error}); retrying in {MaxRetryDelay.TotalSeconds:0}s");
            Timers.StartSingleTimer(RetryModels.Instance, RetryModels.Instance, MaxRetryDelay);
            return;
        }
        var pipeline = p.Model is null ? null : _pipeline;
        var (directed, pinned) = _models.Settle(p.Overlay, p.Model, p.Error, warming: pipeline is not null);
        if (directed || pinned)
        {
            var who = directed ? "model" : "pinned model";
            if (p.Error is not null)
            {
                AgentLog.Write($"manifests: {who} {p.Overlay.ArtifactId} refused ({p.Error}); {(directed ? "keeping the model in use" : "its campaigns render with the built-in model")}");
                if (pinned) Record(Shared.Audit.AuditCommands.Actions.ModelSwap, p.Overlay.Name, $"pinned {p.Overlay.ArtifactId} refused: {p.Error}");
            }
            else if (pipeline is not null) WarmBeforeSwitch(pipeline, p.Overlay, p.Model!, who);
            else Switched(p.Overlay, p.Model!, directed);
        }
        Report();
        KickModels();
    }

    /// <summary>
    /// Each version in force that is about to render with the new model is warmed with it first (its copy embedded, its
    /// ffmpeg steps waiting); renders keep the model they use until then, so a model canary's first renders do not pay
    /// for the switch. The switch happens when the warm-up answers, fails or times out.
    /// </summary>
    private void WarmBeforeSwitch(IActorRef pipeline, ArtifactOverlay overlay, ModelInUse ready, string who)
    {
        var versions = _inForce.Values.Select(s => s.Manifest).Where(m => _models.For(m, warming: true).Id == ready.Id).ToList();
        AgentLog.Write(versions.Count == 0
            ? $"manifests: {who} {overlay.ArtifactId} verified; no version in force renders with it, nothing to warm up"
            : $"manifests: {who} {overlay.ArtifactId} verified; warming {versions.Count} campaign(s) up with it before renders switch");
        Task.WhenAll(versions.Select(m => pipeline.Ask<ModelWarmed>(new WarmWithModel(m.CampaignId, ready), WarmTimeout)))
            .PipeTo(Self, success: r => new ModelSwitch(overlay, ready, r.Select(w => w.Error).FirstOrDefault(e => e is not null)),
                failure: e => new ModelSwitch(overlay, ready, e.GetBaseException().Message));
    }

    private void SwitchModel(ModelSwitch s)
    {
        if (s.Error is not null) AgentLog.Write($"manifests: {s.Overlay.ArtifactId} not warmed up ahead ({s.Error}); its first renders do the rest");
        var (directed, pinned) = _models.Warmed(s.Overlay);
        if (!directed && !pinned) return; // withdrawn or replaced while warming
        Switched(s.Overlay, s.Model, directed);
        Report();
    }

    private void Switched(ArtifactOverlay overlay, ModelInUse ready, bool directed)
    {
        AgentLog.Write($"manifests: {(directed ? "model" : "pinned model")} {overlay.ArtifactId} loaded and verified; renders use it from now on");
        Record(Shared.Audit.AuditCommands.Actions.ModelSwap, overlay.Name, $"{(directed ? "" : "pinned ")}-> {overlay.ArtifactId} sha256 {overlay.Sha256}");
        AnnounceInForce(m => ModelFor(m).Id == ready.Id);
    }

    /// <summary>Starts the next fetch the plan calls for, one at a time.</summary>
    private void Kick()
    {
        if (_busyWith is not null || _credentials is null || _table is null) return;
        var current = Running().ToDictionary(r => r.CampaignId, StringComparer.Ordinal);
        var next = SyncPlan.ToFetch(_table.For(_deviceId, _tags), current, _trust, _cache.Incomplete(_inForce.Values)).FirstOrDefault(a => !_refused.Contains((a.CampaignId, a.Version)));
        if (next is null) { Report(); return; }
        _busyWith = $"{next.CampaignId} v{next.Version}";
        var api = new Uri(_credentials.ApiUrl.TrimEnd('/') + "/");
        _fetcher.FetchAsync(api, _credentials.Token, next, current.GetValueOrDefault(next.CampaignId), _trust, _stop.Token)
            .PipeTo(Self, failure: e => new FetchOutcome.Failed(next.CampaignId, next.Version, e.Message));
    }

    private void Done(FetchOutcome outcome)
    {
        _busyWith = null;
        switch (outcome)
        {
            case FetchOutcome.Verified v when _prepare is not null:
                // The version in force keeps rendering while the new one's template is prepared; then it swaps in.
                _busyWith = $"{v.CampaignId} v{v.Version} (preparing)";
                _prepare(_cache.FolderOf(v.Signed.Manifest))
                    .PipeTo(Self, success: why => new PreparedAhead(v, why), failure: e => new PreparedAhead(v, e.Message));
                return;
            case FetchOutcome.Verified v:
                InForce(new PreparedAhead(v, null));
                return;
            case FetchOutcome.Rejected r:
                _refused.Add((r.CampaignId, r.Version));
                _rejections.Add(new SyncRejection(r.CampaignId, r.Version, r.Reason, r.Message, _clock.GetUtcNow()));
                _cache.SaveRejections(_rejections);
                var kept = _inForce.TryGetValue(r.CampaignId, out var k) ? $"keeping v{k.Manifest.Version}" : "nothing in force";
                AgentLog.Write($"manifests: rejected {r.CampaignId} v{r.Version} ({r.Reason}): {r.Message}; {kept}");
                break;
            case FetchOutcome.Failed f:
                // The link asks the cloud for fresh credentials; the retry below uses them once they arrive.
                if (f.CredentialsRefused) Context.System.EventStream.Publish(Fleet.Shared.Gateway.CredentialsStale.Instance);
                _failures++;
                _lastError = f.Message;
                var delay = SyncBackoff.Delay(_failures);
                AgentLog.Write($"manifests: {f.CampaignId} v{f.Version} not synced ({f.Message}); retrying in {delay.TotalSeconds:0}s, cache stays in force");
                Timers.StartSingleTimer(RetryNow.Instance, RetryNow.Instance, delay);
                Report();
                return;
        }
        Report();
        Kick();
    }

    private void InForce(PreparedAhead p)
    {
        var v = p.Verified;
        _busyWith = null;
        // While the template was prepared, a new table may have withdrawn the version or a trust update revoked its key.
        var stale = _table?.IsWithdrawn(v.CampaignId, v.Version) == true ? "withdrawn meanwhile" : ManifestCache.VerifyKept(v.Signed.ToJsonBytes(), _trust).Error;
        if (stale is not null)
        {
            AgentLog.Write($"manifests: {v.CampaignId} v{v.Version} not put in force: {stale}");
            Report();
            Kick();
            return;
        }
        if (p.Error is not null) AgentLog.Write($"manifests: {v.CampaignId} v{v.Version} template not prepared ahead ({p.Error}); its first render prepares it");
        var was = _inForce.TryGetValue(v.CampaignId, out var before) ? $"v{before.Manifest.Version}" : "none";
        _cache.Swap(v.Signed);
        _inForce[v.CampaignId] = v.Signed;
        _failures = 0;
        _lastError = null;
        var freed = _cache.CollectGarbage();
        AgentLog.Write($"manifests: running {v.CampaignId} v{v.Version} (signed by {v.Signed.Kid}{(freed > 0 ? $", freed {freed} bytes" : "")})");
        Record(Shared.Audit.AuditCommands.Actions.ManifestSwap, v.CampaignId, $"{was} -> v{v.Version} signed by {v.Signed.Kid}");
        AnnounceInForce(m => m.CampaignId == v.CampaignId);
        FollowPinnedModels();
        SyncPrior(v.CampaignId, v.Version);
        Report();
        Kick();
    }

    /// <summary>A stored file failed its check (and was moved aside): audit it, then fetch it again the way it first came.</summary>
    private void Repair(Store.AssetQuarantined q)
    {
        _audit?.Tell(new Shared.Audit.AuditCommands.Record("store", "asset-quarantined", q.Sha256, $"{q.What}: {q.Problem}"));
        _models.Forget(q.Sha256); // renders use the manifest's (or the built-in) model until it is verified again
        Report();
        KickModels();
        Kick();
    }

    /// <summary>
    /// The render pipeline gets a campaign in force ready (<see cref="VersionInForce"/>) when it goes into force and when
    /// the model its renders use changes: otherwise the first render on a new model embeds every copy pool with it, which
    /// made a model canary's first render the slowest one its p95 gate compared.
    /// </summary>
    private void AnnounceInForce(Func<Manifest, bool> which)
    {
        foreach (var signed in _inForce.Values.Where(s => which(s.Manifest)))
            Context.System.EventStream.Publish(new VersionInForce(signed.Manifest.CampaignId, signed.Manifest.Version));
    }

    private void Record(string action, string subject, string detail) => _audit?.Tell(new Shared.Audit.AuditCommands.Record(Name, action, subject, detail));

    private object Active(string campaignId)
    {
        if (!_inForce.TryGetValue(campaignId, out var s)) return new NoActiveCampaign(campaignId, $"no verified version of '{campaignId}' on this device");
        var m = s.Manifest;
        return new ActiveCampaign(campaignId, m.Version, m, _cache.FolderOf(m), _cache.AssetPaths(m), ModelFor(m));
    }

    private ModelInUse ModelFor(Manifest m) => _models.For(m);

    private List<DeviceModel> Models() => _models.States(_inForce.Values.Select(s => s.Manifest));

    private IEnumerable<RunningCampaign> Running() =>
        _inForce.Values.Select(s => new RunningCampaign(s.Manifest.CampaignId, s.Manifest.Version, s.Kid, s.Manifest.ExpiresAt))
            .OrderBy(r => r.CampaignId, StringComparer.Ordinal);

    private ManifestsProtocol.Status CurrentStatus() => new(_credentials is not null && _lastError is null, Running().ToList(), _rejections.ToList(),
        _busyWith is null ? [] : [_busyWith], _lastError);

    private void Report() => _reportTo?.Tell(new DeviceSyncReport(_deviceId, Running().ToList(), _rejections.TakeLast(5).ToList(), _clock.GetUtcNow(), Models(), _held?.Version));

    private Identity.DeviceTrust? OpenTrust(System.Security.Cryptography.X509Certificates.X509Certificate2? root)
    {
        try { return new Identity.DeviceTrust(_cache.Root, ManifestCache.TrustFile, root, followUnverified: true); }
        catch (FleetException e) { _lastError = "stored trust set unreadable: " + e.Message; return null; }
    }

    /// <summary>
    /// Takes the table's trust before anything it assigns is verified; true when the set changed. A revoked key then
    /// takes its manifests out of force; the previous version (or a re-signed fetch) replaces them.
    /// </summary>
    private bool OfferTrust(AssignmentTable t)
    {
        if (_held is null) return false;
        Identity.TrustChange? change;
        try { change = _held.Offer(t.TrustUpdateJson, t.TrustSetJson); }
        catch (FleetException e) { change = new Identity.TrustChange(false, "trust set refused: " + e.Message); }
        if (change is null) return false;
        AgentLog.Write("manifests: " + change.Line);
        _audit?.Tell(new Shared.Audit.AuditCommands.Record("manifests", change.Adopted ? "trust-adopted" : "trust-refused", $"trust v{_held.Version}", change.Line));
        if (!change.Adopted) { _lastError = change.Line; return false; }
        _trust = _held.Set!;
        _inForce = _cache.LoadInForce(_trust, (id, why) => AgentLog.Write($"manifests: {id} no longer in force: {why}"));
        return true;
    }

    private sealed record PreparedAhead(FetchOutcome.Verified Verified, string? Error);

    private sealed record ModelPrepared(ArtifactOverlay Overlay, ModelInUse? Model, string? Error);

    private sealed record ModelSwitch(ArtifactOverlay Overlay, ModelInUse Model, string? Error);

    /// <summary>Fetches the fleet prior of every campaign version in force (the table changed, the hour came round).</summary>
    private void SyncPriors()
    {
        foreach (var (id, signed) in _inForce) SyncPrior(id, signed.Manifest.Version);
    }

    private void SyncPrior(string campaignId, int version)
    {
        if (_credentials is null) return;
        var api = new Uri(_credentials.ApiUrl.TrimEnd('/') + "/");
        _priors.FetchAsync(api, _credentials.Token, campaignId, version, _trust, _stop.Token)
            .PipeTo(Self, failure: e => new PriorOutcome.Failed(campaignId, version, e.Message));
    }

    private void PriorDone(PriorOutcome o)
    {
        switch (o)
        {
            case PriorOutcome.Stored s:
                AgentLog.Write($"manifests: fleet prior for {s.CampaignId} v{s.Version}: {s.Rows} rows from {s.Devices} devices");
                break;
            case PriorOutcome.Refused r:
                // The last good prior stays; the refusal is said once per fetch and audited.
                AgentLog.Write($"manifests: fleet prior for {r.CampaignId} v{r.Version} refused: {r.Why}; keeping the last good one");
                _audit?.Tell(new Shared.Audit.AuditCommands.Record("manifests", "prior-refused", $"{r.CampaignId} v{r.Version}", r.Why));
                break;
            case PriorOutcome.Failed f:
                AgentLog.Write($"manifests: fleet prior for {f.CampaignId} v{f.Version} not fetched ({f.Why}); next try within the hour");
                break;
        }
    }

    private sealed class SyncPriorsNow : IDeadLetterSuppression
    {
        public static readonly SyncPriorsNow Instance = new();
    }

    private sealed class RetryModels : IDeadLetterSuppression
    {
        public static readonly RetryModels Instance = new();
    }

    private sealed class RetryNow : IDeadLetterSuppression
    {
        public static readonly RetryNow Instance = new();
    }
}
