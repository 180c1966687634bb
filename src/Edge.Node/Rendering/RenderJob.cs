using Akka.Actor;
using Fleet.Shared.KillSwitch;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>The parts a render job talks to; owned by the coordinator.</summary>
public sealed record RenderServices(IActorRef Policy, IActorRef Personalise, IActorRef Speech, IActorRef Composite,
    RenderCache Cache, PreparedTemplates Prepared, RenderSettings Settings, Privacy.UserIdHasher Hasher, CloudRenderClient Cloud, CloudBases Bases,
    Store.AssetGuard Guard, IActorRef Audit);

/// <summary>
/// One render, start to finish, as a short-lived actor: policy gate, copy choice, cache, speech, composite. Its
/// <see cref="RenderRun"/> runs the stages <see cref="RenderChain.Next"/> names, within a deadline; the actor stops it at
/// once when the kill-switch covers it, hands it the cache leader's result, and reports the outcome.
/// </summary>
public sealed class RenderJob : ReceiveActor
{
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource<string?> _leaderDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile KillDirective? _killedBy;

    /// <param name="pressure">The device's resource pressure when the render was asked for (null: none).</param>
    public RenderJob(string id, RenderAd request, IActorRef replyTo, RenderServices services, string? pressure)
    {
        new RenderRun(id, request, services, Self, Context.Parent, pressure, _leaderDone.Task)
            .RunAsync(_cts.Token, () => _killedBy).PipeTo(Self);

        Receive<Killed>(k => { _killedBy = k.Directive; _cts.Cancel(); });
        Receive<KeyDone>(d => _leaderDone.TrySetResult(d.CachedPath));
        Receive<RenderOutcome>(o =>
        {
            // Telemetry sees every render (ids and timings only; the user id only as the device's salted hash).
            Context.System.EventStream.Publish(RenderTelemetry.From(o, request, services.Hasher));
            Telemetry.EdgeMetrics.Rendered(o.TotalMs, o.Path, o.Encoder, o.StageMs);
            replyTo.Tell(o);
            // After the reply, and only a Tell: the audit actor appends (and syncs) the entry off the render's path.
            services.Audit.Tell(Audit.RenderAudit.Entry(o, request, services.Hasher));
            Context.Stop(Self);
        });
    }

    public static Props Props(string id, RenderAd request, IActorRef replyTo, RenderServices services, string? pressure = null) =>
        Akka.Actor.Props.Create(() => new RenderJob(id, request, replyTo, services, pressure));

    protected override void PostStop() => _cts.Dispose();
}
