using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Fleet.Edge.Personalisation.Copy;
using Fleet.Shared.Personalisation.Embedding;
using static Fleet.Edge.Personalisation.PersonaliseProtocol;
using Fleet.Shared.Cluster;

namespace Fleet.Edge.Personalisation;

/// <summary>The render pipeline's personalise stage: answers every <see cref="ChooseCopy"/> with a <see cref="CopyChoice"/>, never a failure.</summary>
public sealed class PersonaliseActor : ReceiveActor, IWithTimers
{
    // The model the device ships with, in the last-use table beside rollout models' folders.
    private const string BuiltIn = "";

    private CopyChooser _chooser;
    private readonly Dictionary<string, CopyChooser> _byModelDir = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan? _unloadUnusedAfter;
    private readonly Dictionary<string, DateTime> _lastUse = new(StringComparer.Ordinal);
    private string _inUse = BuiltIn;
    private bool _builtInUnloaded;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="unloadUnusedAfter">A model no render used for this long has its session closed (never the one in use); null: never.</param>
    public PersonaliseActor(CopyChooser chooser, TimeSpan? unloadUnusedAfter = null)
    {
        _chooser = chooser;
        _unloadUnusedAfter = unloadUnusedAfter;
        Receive<ChooseCopy>(m => Sender.Tell(Choose(m)));
        Receive<PreviewCopy>(m => Sender.Tell(Guarded(m.Campaign, m.Context, () => _chooser.ChoosePreview(m.Campaign, m.Headline, m.Cta, m.Context))));
        Receive<RecordImpression>(m => Outcome(() => _chooser.RecordImpression(m.CampaignId, m.VariantId, m.UserId)));
        Receive<RecordClick>(m => Outcome(() => _chooser.RecordClick(m.CampaignId, m.VariantId, m.UserId)));
        Receive<Player.PlayerOutcome>(m => Outcome(() => Learn(m)));
        Receive<EmbedCopy>(m => Sender.Tell(Embed(m)));
        Receive<GetProvider>(_ => Sender.Tell(Status()));
        Receive<Warm>(_ =>
        {
            _lastUse[BuiltIn] = DateTime.UtcNow;
            Status();
        });
        Receive<UnloadUnused>(_ => UnloadUnusedModels());
    }

    /// <summary>Props for a chooser built elsewhere (tests, the render coordinator's child).</summary>
    public static Props Props(CopyChooser chooser, TimeSpan? unloadUnusedAfter = null) =>
        Akka.Actor.Props.Create(() => new PersonaliseActor(chooser, unloadUnusedAfter));

    /// <summary>Props that build a chooser from settings on the process-wide embedder.</summary>
    public static Props Props(PersonaliseSettings settings) => Props(CopyChooser.Create(settings), settings.UnloadUnusedModelAfter);

    // Loading the session takes ~250 ms; doing it at start keeps that off the first ad.
    protected override void PreStart()
    {
        Self.Tell(Warm.Instance);
        if (_unloadUnusedAfter is { } after)
        {
            var every = TimeSpan.FromTicks(Math.Clamp(after.Ticks / 2, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(1).Ticks));
            Timers.StartPeriodicTimer(UnloadUnused.Instance, UnloadUnused.Instance, every);
        }
        Context.System.EventStream.Subscribe(Self, typeof(Player.PlayerOutcome));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    /// <summary>
    /// Rewards for the bandit from counted player events: impression starts, views to the end and clicks (or scans), on
    /// the render's exact headline, CTA and grade in its context bucket. Holdout renders showed no copy and never teach it.
    /// </summary>
    private void Learn(Player.PlayerOutcome m)
    {
        if (m.Render.Arm != Fleet.Shared.Telemetry.ArmCounts.Personalised) return;
        var delta = m.BanditDelta;
        if (delta == Bandit.VariantStats.None) return;
        _chooser.Learn(m.Render.CampaignId, m.Render.Bucket, [m.Render.HeadlineId, m.Render.CtaId, CopyChooser.GradeVariantId(m.Render.Grade)], delta, m.Render.UserHash);
    }

    private CopyChoice Choose(ChooseCopy m) =>
        Guarded(m.Campaign, m.Context, () => ChooserFor(m.ModelDir).Choose(m.Campaign, m.VersionKey, m.Context, m.Bucket, m.Grades));

    // A model a rollout switched to gets its own chooser (embeddings differ) over the same outcomes and salt, on the same
    // accelerator chain. One rollout model is in use at a time: the session of the one it replaces is closed.
    private CopyChooser ChooserFor(string? modelDir)
    {
        _inUse = modelDir ?? BuiltIn;
        _lastUse[_inUse] = DateTime.UtcNow;
        if (modelDir is null)
        {
            // Closed while a rollout model was in use: open it again (once) for the renders that need it now.
            if (_builtInUnloaded && _chooser.Embedder is MiniLmEmbedder { Options: var builtIn })
                _chooser = _chooser.WithEmbedder(MiniLmEmbedder.For(builtIn));
            _builtInUnloaded = false;
            return _chooser;
        }
        if (!_byModelDir.TryGetValue(modelDir, out var chooser))
        {
            foreach (var replaced in _byModelDir.Keys.ToList())
            {
                MiniLmEmbedder.Unload(replaced);
                _byModelDir.Remove(replaced);
                _lastUse.Remove(replaced);
            }
            var options = _chooser.Embedder is MiniLmEmbedder { Options: var current } ? current with { ModelDir = modelDir } : new MiniLmOptions(modelDir);
            _byModelDir[modelDir] = chooser = _chooser.WithEmbedder(MiniLmEmbedder.For(options));
        }
        return chooser;
    }

    private CopyEmbedded Embed(EmbedCopy m)
    {
        try
        {
            ChooserFor(m.ModelDir).Variants.Get(m.Campaign, m.VersionKey);
            return new CopyEmbedded(null);
        }
        catch (Exception ex)
        {
            return new CopyEmbedded(ex is EmbeddingModelException me ? me.Reason : ex.Message);
        }
    }

    // The chooser already turns model faults into default copy; this catches anything else so the ad still renders.
    private CopyChoice Guarded(Fleet.Shared.Campaigns.CampaignSpec campaign, Fleet.Shared.Rendering.RenderContext context, Func<CopyChoice> choose)
    {
        try
        {
            return choose();
        }
        catch (Exception ex)
        {
            _log.Error(ex, "Copy choice failed for campaign {0}; using default copy", campaign.Id);
            return _chooser.DefaultCopy(campaign, context, ex is EmbeddingModelException me ? me.Reason : "model-failed");
        }
    }

    private void Outcome(Action record)
    {
        try
        {
            record();
        }
        catch (Exception ex)
        {
            // Losing one outcome only slows learning; it must not restart the stage.
            _log.Warning("Could not record outcome: {0}", ex.Message);
        }
    }

    /// <summary>
    /// One model session per model in use: a model no render asked for within the limit (the built-in one after a rollout
    /// switched every campaign away from it, say) is closed, and opened again if a render needs it later.
    /// </summary>
    private void UnloadUnusedModels()
    {
        var cutoff = DateTime.UtcNow - _unloadUnusedAfter!.Value;
        foreach (var (model, lastUse) in _lastUse.Where(u => u.Key != _inUse && u.Value < cutoff).ToList())
        {
            _lastUse.Remove(model);
            if (model == BuiltIn)
            {
                if (_chooser.Embedder is not MiniLmEmbedder { Options.ModelDir: var dir }) continue;
                MiniLmEmbedder.Unload(dir);
                _builtInUnloaded = true;
            }
            else
            {
                MiniLmEmbedder.Unload(model);
                _byModelDir.Remove(model);
            }
            Hosting.AgentLog.Write($"personalise: closed the session of {(model == BuiltIn ? "the built-in model" : model)}, unused for {_unloadUnusedAfter.Value.TotalSeconds:0} s");
        }
    }

    private ProviderStatus Status()
    {
        try
        {
            var inUse = _inUse == BuiltIn ? ChooserFor(null) : _byModelDir[_inUse];
            var status = new ProviderStatus(inUse.Embedder.Provider, inUse.Embedder.ProviderFallbacks, null);
            Telemetry.EdgeMetrics.Provider(status.Provider);
            return status;
        }
        catch (EmbeddingModelException ex)
        {
            _log.Warning("Personalisation model unavailable ({0}): {1}", ex.Reason, ex.Message);
            Telemetry.EdgeMetrics.Provider(Fallbacks.NoProvider);
            return new ProviderStatus(Fallbacks.NoProvider, [], ex.Reason);
        }
    }

    private sealed record Warm
    {
        public static readonly Warm Instance = new();
    }

    private sealed record UnloadUnused
    {
        public static readonly UnloadUnused Instance = new();
    }
}

/// <summary>Registry key for the personalise actor.</summary>
public sealed class PersonaliseActorKey;

/// <summary>Akka.Hosting registration of the personalise stage.</summary>
public static class PersonaliseActorRegistration
{
    /// <summary>Starts the personalise actor as a top-level actor and registers it under <see cref="PersonaliseActorKey"/>.</summary>
    public static AkkaConfigurationBuilder AddPersonaliseActor(this AkkaConfigurationBuilder builder, PersonaliseSettings settings) =>
        builder.WithActors((system, registry) =>
        {
            var actor = system.ActorOf(PersonaliseActor.Props(settings), ActorNames.Edge.Personalise);
            registry.Register<PersonaliseActorKey>(actor);
        });
}
