using Fleet.Shared.Speech;
using Akka.Actor;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Speech;
using Fleet.Shared.KillSwitch;
using static Fleet.Edge.Rendering.RenderProtocol;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.Rendering;

/// <summary>
/// The edge <c>render</c> actor: owns the stage actors (personalise, speech, composite), the render cache and the
/// prepared templates; starts one <see cref="RenderJob"/> per request, coalesces renders of the same key, and on a kill
/// stops every job and purges every cached ad that uses the killed artifact.
/// </summary>
public sealed class RenderCoordinator : ReceiveActor
{
    private readonly RenderServices _services;
    private readonly Dictionary<IActorRef, RenderArtifacts> _jobs = new();
    private readonly Dictionary<string, List<IActorRef>> _followers = new(StringComparer.Ordinal);
    /// <summary>The latest resource sample's pressure (telemetry samples every 15 s); null while there is none.</summary>
    private string? _pressure;
    private long _next;
    private readonly Func<string, Task<Manifests.CampaignInForce?>>? _inForce;

    /// <param name="guard">Verifies stored assets before renders use them (shared with the manifests actor and the scrub).</param>
    /// <param name="audit">The device's audit actor (every render is recorded there); Nobody for one-off renders.</param>
    /// <param name="prepared">Prepared templates shared with whoever prepares them ahead (the manifests actor); null: this coordinator's own.</param>
    /// <param name="cloudHttp">The agent's render-delegation client (IHttpClientFactory); null: the process's own.</param>
    /// <param name="inForce">Finds a synced campaign in force by id; given, each version going into force is warmed (<see cref="WarmVersion"/>).</param>
    public RenderCoordinator(RenderSettings settings, IActorRef policy, PersonaliseSettings personalise, Store.AssetGuard? guard = null, IActorRef? audit = null,
        PreparedTemplates? prepared = null, Func<string, Task<Manifests.CampaignInForce?>>? inForce = null, HttpClient? cloudHttp = null)
    {
        _inForce = inForce;
        var runner = settings.NewFfmpegRunner();
        var cloud = new CloudRenderClient(cloudHttp);
        _services = new RenderServices(
            policy,
            Context.ActorOf(PersonaliseActor.Props(personalise), ActorNames.Edge.Personalise),
            Context.ActorOf(SpeechActor.Props(new EspeakTts(settings.EspeakPath, Path.Combine(settings.DataDir, "speech"))), ActorNames.Edge.Speech),
            Context.ActorOf(CompositeActor.Props(runner, settings.Encoders), ActorNames.Edge.Composite),
            new RenderCache(settings.CacheDir, settings.CacheBytes),
            prepared ?? new PreparedTemplates(runner, settings.PreparedDir),
            settings,
            new Privacy.UserIdHasher(settings.DataDir),
            cloud,
            new CloudBases(cloud, Path.Combine(settings.DataDir, "renders", "bases")),
            guard ?? new Store.AssetGuard(settings.DataDir),
            audit ?? ActorRefs.Nobody);
        Receive<Shared.Tokens.DeviceCredentials>(c => _services.Cloud.Credentials = c);
        // Readiness (/readyz) asks whether the personalisation model loaded; the stage actor answers.
        Receive<Personalisation.PersonaliseProtocol.GetProvider>(m => _services.Personalise.Forward(m));

        Receive<RenderAd>(req =>
        {
            var id = $"r{DateTime.UtcNow:yyyyMMddHHmmss}-{++_next}";
            var job = Context.ActorOf(RenderJob.Props(id, req, Sender, _services, _pressure), id);
            Context.Watch(job);
            _jobs[job] = req.Artifacts(settings);
        });
        Receive<WarmVersion>(w => VersionWarmer.WarmAsync(w, _services).PipeTo(Sender));
        Receive<Manifests.ManifestsProtocol.VersionInForce>(v => WarmInForce(v.CampaignId, null).PipeTo(Self, failure: e => new VersionWarmed(0, e.GetBaseException().Message)));
        Receive<Manifests.ManifestsProtocol.ManifestsStarted>(m => m.Manifests.Tell(new Manifests.ManifestsProtocol.RenderPipelineListening(Self)));
        Receive<Manifests.ManifestsProtocol.WarmWithModel>(w => WarmInForce(w.CampaignId, w.Model)
            .PipeTo(Sender, success: r => new Manifests.ManifestsProtocol.ModelWarmed(r.Error), failure: e => new Manifests.ManifestsProtocol.ModelWarmed(e.GetBaseException().Message)));
        Receive<VersionWarmed>(w =>
        {
            if (w.Error is not null) Hosting.AgentLog.Write($"render: not warmed ahead ({w.Error}); the first render does the rest");
        });
        Receive<Claim>(c =>
        {
            if (_followers.TryGetValue(c.Key, out var waiting)) { waiting.Add(c.Job); Sender.Tell(new Follow()); }
            else { _followers[c.Key] = new List<IActorRef>(); Sender.Tell(new Lead()); }
        });
        Receive<KeyDone>(d =>
        {
            if (_followers.Remove(d.Key, out var waiting)) waiting.ForEach(w => w.Tell(d));
        });
        Receive<PolicyMessages.KillEnforced>(k =>
        {
            foreach (var directive in k.NewlyActive)
            {
                var purged = _services.Cache.Purge(directive.Scope.Covers);
                foreach (var (job, artifacts) in _jobs.Where(j => directive.Scope.Covers(j.Value))) job.Tell(new Killed(directive));
                if (purged > 0) Hosting.AgentLog.Write($"{directive.Id}: purged {purged} cached render(s)");
            }
        });
        Receive<Store.AssetQuarantined>(q =>
        {
            // Nothing built from bad bytes survives: its preparation and every cached ad of the campaigns it served go.
            var campaigns = _services.Prepared.Forget(q.Path, q.Sha256);
            // Processes waiting for the next render hold files of preparations just deleted: the next render starts its own.
            _services.Composite.Tell(CompositeProtocol.StopWarmSteps.Instance);
            _services.Cache.Purge(a => campaigns.Contains(a.CampaignId));
        });
        Receive<Terminated>(t => _jobs.Remove(t.ActorRef));
        Receive<Shared.Telemetry.ResourceSample>(s => _pressure = settings.Pressure.Of(s));
    }

    public static Props Props(RenderSettings settings, IActorRef policy, PersonaliseSettings personalise, Store.AssetGuard? guard = null, IActorRef? audit = null,
        PreparedTemplates? prepared = null, Func<string, Task<Manifests.CampaignInForce?>>? inForce = null, HttpClient? cloudHttp = null) =>
        Akka.Actor.Props.Create(() => new RenderCoordinator(settings, policy, personalise, guard, audit, prepared, inForce, cloudHttp));

    // The campaign the manifests actor names, found as a render would find it, then warmed with the model its renders use
    // (or the one they are about to switch to); a campaign no longer in force by then is skipped.
    private Task<VersionWarmed> WarmInForce(string campaignId, Personalisation.ModelInUse? model)
    {
        if (_inForce is not { } find) return Task.FromResult(new VersionWarmed(0, null));
        var services = _services;
        return Task.Run(async () => await find(campaignId) is { } c
            ? await VersionWarmer.WarmAsync(new WarmVersion(c.Campaign, c.Version, model ?? c.Model, c.Expected), services)
            : new VersionWarmed(0, null));
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(PolicyMessages.KillEnforced));
        Context.System.EventStream.Subscribe(Self, typeof(Shared.Tokens.DeviceCredentials));
        Context.System.EventStream.Subscribe(Self, typeof(Shared.Telemetry.ResourceSample));
        Context.System.EventStream.Subscribe(Self, typeof(Store.AssetQuarantined));
        if (_inForce is null) return;
        Context.System.EventStream.Subscribe(Self, typeof(Manifests.ManifestsProtocol.VersionInForce));
        Context.System.EventStream.Subscribe(Self, typeof(Manifests.ManifestsProtocol.ManifestsStarted));
        Context.System.EventStream.Publish(new Manifests.ManifestsProtocol.RenderPipelineListening(Self));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
