using Akka.Actor;
using Akka.Event;
using Fleet.Shared.Rendering;
using Fleet.Shared.Tracing;
using static Fleet.Shared.RenderJobs.RenderSchedulerCommands;
using static Fleet.Shared.RenderJobs.RenderSchedulerReplies;

namespace Fleet.Cloud.Renders;

/// <summary>
/// A render worker (one per <c>render</c> node): probes its encoder once (<c>h264_nvenc</c> with a real tiny encode,
/// else libx264), then pulls work from the scheduler: it announces its slots and what it runs every few seconds and
/// after every job, renders what it is assigned off the actor thread, and repeats each result until the scheduler
/// acknowledges it (a scheduler that moved to another node still gets it).
/// </summary>
public sealed class RenderWorker : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    public static readonly TimeSpan PullInterval = TimeSpan.FromSeconds(2);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _scheduler;
    private readonly IActorRef _campaigns;
    private readonly WorkerRenderer _renderer;
    private readonly int _slots;
    private readonly string _workerId;
    private readonly Dictionary<string, (int Attempt, CancellationTokenSource Cts)> _running = new(StringComparer.Ordinal);
    /// <summary>The render span of each running job, when traced.</summary>
    private readonly Dictionary<string, System.Diagnostics.Activity> _spans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _unacked = new(StringComparer.Ordinal);
    private string _encoder = "libx264";
    private bool _gpu;

    public RenderWorker(IActorRef scheduler, IActorRef campaigns, WorkerRenderer renderer, int slots, FfmpegRunner runner)
    {
        _scheduler = scheduler;
        _campaigns = campaigns;
        _renderer = renderer;
        _slots = Math.Max(1, slots);
        var self = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress;
        _workerId = $"{self.Address.Host}:{self.Address.Port}#{self.Uid}";
        new EncoderProbe(runner).ProbeAsync().PipeTo(Self, success: r => new Probed(r.Usable.Contains("h264_nvenc")),
            failure: _ => new Probed(false));
        Receive<Probed>(p =>
        {
            _gpu = p.Nvenc;
            _encoder = p.Nvenc ? "h264_nvenc" : "libx264";
            _log.Info("render worker {0}: {1} slot(s), encoder {2}", _workerId, _slots, _encoder);
            Become(Working);
            Stash.UnstashAll();
            Pull();
            Timers.StartPeriodicTimer(PullTick.Instance, PullTick.Instance, PullInterval);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    public static Props Props(IActorRef scheduler, IActorRef campaigns, WorkerRenderer renderer, int slots, FfmpegRunner runner) =>
        Akka.Actor.Props.Create(() => new RenderWorker(scheduler, campaigns, renderer, slots, runner));

    private void Working()
    {
        Receive<Assign>(a =>
        {
            if (_running.ContainsKey(a.JobId)) return; // a repeated assignment of what already runs here
            if (_running.Count >= _slots)
            {
                Report(new WorkFailed(_workerId, a.JobId, a.Attempt, "worker has no free slot"));
                return;
            }
            var cts = new CancellationTokenSource();
            _running[a.JobId] = (a.Attempt, cts);
            if (FleetTraces.Cloud.Start("render.work", a.TraceParent)?.SetTag("render.job_id", a.JobId).SetTag("render.attempt", a.Attempt)
                    .SetTag("render.worker", _workerId) is { } span)
                _spans[a.JobId] = span;
            _log.Info("render job {0} attempt {1}: {2} v{3} at {4}p", a.JobId, a.Attempt, a.Spec.CampaignId, a.Spec.CampaignVersion, a.Spec.Height);
            _renderer.RenderAsync(a.Spec, _encoder, _campaigns, cts.Token).PipeTo(Self,
                success: o => new WorkDone(_workerId, a.JobId, a.Attempt, o.Sha256, o.Size, o.RenderSeconds, o.Encoder),
                failure: e => new WorkFailed(_workerId, a.JobId, a.Attempt, OneLine(e)));
        });
        Receive<WorkDone>(d => Finished(d.JobId, d));
        Receive<WorkFailed>(f => Finished(f.JobId, f));
        Receive<WorkAcked>(a => _unacked.Remove(a.JobId));
        Receive<PullTick>(_ =>
        {
            foreach (var r in _unacked.Values) _scheduler.Tell(r);
            Pull();
        });
    }

    private void Finished(string jobId, object result)
    {
        if (_running.Remove(jobId, out var job)) job.Cts.Dispose();
        if (_spans.Remove(jobId, out var span))
        {
            if (result is WorkFailed failed) span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failed.Reason);
            else if (result is WorkDone done) span.SetTag("render.encoder", done.Encoder);
            span.Dispose();
        }
        if (result is WorkFailed f) _log.Warning("render job {0} attempt {1} failed: {2}", f.JobId, f.Attempt, f.Reason);
        Report(result);
        Pull();
    }

    private void Report(object result)
    {
        var id = result is WorkDone d ? d.JobId : ((WorkFailed)result).JobId;
        _unacked[id] = result;
        _scheduler.Tell(result);
    }

    private void Pull() => _scheduler.Tell(new WorkerPull(_workerId, _slots, _encoder, _gpu, _running.Keys.ToList()));

    protected override void PostStop()
    {
        foreach (var (_, job) in _running) { job.Cts.Cancel(); job.Cts.Dispose(); }
        foreach (var span in _spans.Values) span.Dispose();
    }

    private static string OneLine(Exception e) => (e.GetBaseException().Message.Split('\n')[0].Trim() is { Length: > 0 } m ? m : e.GetType().Name);

    private sealed record Probed(bool Nvenc);

    private sealed class PullTick : IDeadLetterSuppression
    {
        public static readonly PullTick Instance = new();
    }
}
