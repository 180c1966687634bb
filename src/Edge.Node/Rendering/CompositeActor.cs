using Akka.Actor;
using Fleet.Shared.Rendering;
using static Fleet.Edge.Rendering.CompositeProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>
/// Renders ads over the render engine with the encoder chain (hardware → libx264 → static creative). Probes the encoders
/// once at start, stashing requests until it knows them; renders run off the actor thread and answer by PipeTo.
/// </summary>
public sealed class CompositeActor : ReceiveActor, IWithUnboundedStash
{
    /// <summary>How long a warm-up waits for its processes to load: ffmpeg takes ~0.1–0.5 s here, more while the CPU is busy.</summary>
    private static readonly TimeSpan LoadWait = TimeSpan.FromSeconds(5);

    private readonly RenderEngine _engine;
    private readonly bool _probe;
    private readonly bool _ownsEngine;

    public CompositeActor(RenderEngine engine, IReadOnlyList<string>? encoders = null, bool ownsEngine = false)
    {
        _engine = engine;
        _ownsEngine = ownsEngine;
        if (encoders is null)
        {
            _probe = true;
            Become(Probing);
        }
        else Ready(encoders, ffmpegMissing: null);
    }

    public IStash Stash { get; set; } = null!;

    /// <summary>Props over a caller-owned engine; <paramref name="encoders"/> null means probe this machine's encoders first.</summary>
    public static Props Props(RenderEngine engine, IReadOnlyList<string>? encoders = null) =>
        Akka.Actor.Props.Create(() => new CompositeActor(engine, encoders, false));

    /// <summary>Props for the device: the actor owns an engine that keeps the next assemble process warm, stopped with the actor.</summary>
    public static Props Props(FfmpegRunner runner, IReadOnlyList<string>? encoders = null) =>
        Akka.Actor.Props.Create(() => new CompositeActor(new RenderEngine(runner, null) { KeepStepsWarm = true }, encoders, true));

    protected override void PostStop()
    {
        if (_ownsEngine) _engine.Dispose();
        base.PostStop();
    }

    private void Probing()
    {
        Receive<EncodersProbed>(p =>
        {
            Become(() => Ready(p.Encoders, p.FfmpegMissing));
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    protected override void PreStart()
    {
        if (!_probe) return;
        new EncoderProbe(_engine.Runner).ProbeAsync().PipeTo(Self,
            success: r => new EncodersProbed(r.Usable, null),
            failure: e => e is FfmpegMissingException or AggregateException { InnerException: FfmpegMissingException }
                ? new EncodersProbed(Array.Empty<string>(), e.GetBaseException().Message)
                : new EncodersProbed(new[] { "libx264" }, null));
    }

    private void Ready(IReadOnlyList<string> encoders, string? ffmpegMissing)
    {
        var chain = new EncoderChain(_engine);
        Receive<Compose>(job => chain.RunAsync(job, encoders, ffmpegMissing).PipeTo(Sender));
        Receive<WarmSteps>(w =>
        {
            foreach (var like in w.Like) _engine.WarmUp(w.Prepared, like);
            _engine.WarmStepsLoadedAsync(LoadWait).PipeTo(Sender, success: loaded => new WarmStepsLoaded(loaded));
        });
        Receive<StopWarmSteps>(_ => _engine.StopWarmSteps());
    }
}
