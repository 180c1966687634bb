using Akka.Actor;
using Fleet.Cloud.Authority;
using Akka.Event;
using Akka.Persistence;
using Fleet.Shared.Commands;
using Fleet.Shared.Persistence;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tracing;
using static Fleet.Shared.RenderJobs.RenderSchedulerCommands;
using static Fleet.Shared.RenderJobs.RenderSchedulerReplies;

namespace Fleet.Cloud.Renders;

/// <summary>
/// The render scheduler (persistent cluster singleton on <c>control</c>): accepts jobs within budget, hands queued jobs
/// to workers that pulled for them (never more than a worker's free slots), re-queues the jobs of a worker that is gone
/// and records every result once. A scheduler taking over recovers the ledger; workers report what they run.
/// </summary>
public sealed class RenderScheduler : SnapshottingActor
{
    /// <summary>After a take-over, a worker the ledger says runs a job has this long to pull again before the job is re-queued.</summary>
    public static readonly TimeSpan WorkerSilence = TimeSpan.FromSeconds(8);
    /// <summary>A job assigned this long ago that its worker does not list as running was lost on the way; re-queued.</summary>
    private static readonly TimeSpan AssignGrace = TimeSpan.FromSeconds(6);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _assignedAt = new(StringComparer.Ordinal);
    /// <summary>Assignments persisted but not yet applied: never handed out twice, and they occupy their worker's slot.</summary>
    private readonly Dictionary<string, string> _pending = new(StringComparer.Ordinal);
    private DateTimeOffset _recoveredAt;
    private RenderLedger _ledger = new();
    /// <summary>
    /// The slot values and voice line of unfinished jobs, as submitted: here and sealed in the database (<see cref="JobTexts"/>,
    /// for a scheduler taking over), never in the journal or the ledger, which hold salted hashes (<see cref="PersonalFields.Hashed"/>).
    /// Dropped from both once the job is done or failed.
    /// </summary>
    private readonly Dictionary<string, RenderJobSpec> _texts = new(StringComparer.Ordinal);
    private readonly JobTexts? _stored;
    /// <summary>Unfinished jobs' scheduling spans (when traced): the worker's render and the result join their trace.</summary>
    private readonly Dictionary<string, string> _traces = new(StringComparer.Ordinal);

    private sealed record Worker(IActorRef Ref, int Slots, bool Gpu);

    /// <param name="texts">Where unfinished jobs' text survives a take-over; null: in memory only (such jobs fail after one).</param>
    public RenderScheduler(TimeProvider clock, JobTexts? texts = null)
    {
        _clock = clock;
        _stored = texts;
        Recover<IFleetEvent>(e => _ledger = _ledger.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            _recoveredAt = Now;
            RenderMetrics.Ledger(_ledger, _workers.Count);
            _stored?.Keep(_ledger.Jobs.Values.Where(j => j.Status is RenderJobStatus.Queued or RenderJobStatus.Running).Select(j => j.JobId).ToHashSet(StringComparer.Ordinal));
            var running = _ledger.Jobs.Values.Count(j => j.Status == RenderJobStatus.Running);
            if (_ledger.Jobs.Count > 0) _log.Info("render ledger recovered: {0} jobs, {1} running", _ledger.Jobs.Count, running);
            Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, TimeSpan.FromSeconds(1));
        });

        Command<Submit>(cmd =>
        {
            var span = FleetTraces.Cloud.Start("render.schedule", cmd.TraceParent)?.SetTag("fleet.device_id", cmd.DeviceId)
                .SetTag("fleet.campaign_id", cmd.Spec.CampaignId).SetTag("render.height", cmd.Spec.Height);
            Decide(_ledger.Handle(cmd, Now), Sender, () =>
            {
                KeepText(cmd);
                KeepTrace(cmd, span);
            });
        });
        Command<SetBudget>(cmd => Decide(_ledger.Handle(cmd, Now), Sender));
        Command<GetJob>(q => Sender.Tell(_ledger.Jobs.TryGetValue(q.JobId, out var j) ? j : Refused.NotFound($"no render job {q.JobId}")));
        Command<ListJobs>(q =>
        {
            var jobs = _ledger.Jobs.Values.Where(j => q.CampaignId is null || j.Spec.CampaignId == q.CampaignId)
                .OrderByDescending(j => j.AcceptedAt).ThenByDescending(j => j.JobId, StringComparer.Ordinal).ToList();
            var campaigns = jobs.Select(j => j.Spec.CampaignId).Concat(_ledger.Budgets.Keys).Where(c => q.CampaignId is null || c == q.CampaignId)
                .Distinct(StringComparer.Ordinal).OrderBy(c => c, StringComparer.Ordinal);
            Sender.Tell(new JobList(jobs, campaigns.Select(c => _ledger.UsageOf(c, Now)).ToList()));
        });
        Command<WorkerPull>(Pulled);
        Command<WorkDone>(d => Record(_ledger.Handle(d, Now), d.JobId, d.Attempt, Sender, $"done on {d.WorkerId} in {d.RenderSeconds:0.00}s ({d.Encoder})"));
        Command<WorkFailed>(f => Record(_ledger.Handle(f, Now), f.JobId, f.Attempt, Sender, $"attempt {f.Attempt} failed on {f.WorkerId}: {f.Reason}"));
        Command<Terminated>(t =>
        {
            var gone = _workers.FirstOrDefault(w => w.Value.Ref.Equals(t.ActorRef));
            if (gone.Key is null) return;
            _workers.Remove(gone.Key);
            _log.Warning("render worker {0} is gone; its jobs are re-queued", gone.Key);
            RequeueLost(_ledger.WorkerLost(gone.Key, new HashSet<string>(), "worker lost", Now));
        });
        Command<Tick>(_ =>
        {
            // Metrics read the ledger as of the last tick (a second old at most).
            RenderMetrics.Ledger(_ledger, _workers.Count);
            // Jobs the recovered ledger says run on a worker that never pulled again are re-queued.
            if (Now - _recoveredAt >= WorkerSilence)
            {
                var silent = _ledger.Jobs.Values.Where(j => j.Status == RenderJobStatus.Running && j.Worker is { } w && !_workers.ContainsKey(w))
                    .Select(j => j.Worker!).Distinct().SelectMany(w => _ledger.WorkerLost(w, new HashSet<string>(), "worker silent", Now)).ToList();
                if (silent.Count > 0) { RequeueLost(silent); return; }
            }
            Dispatch();
        });
    }

    public override string PersistenceId => "render-scheduler";

    /// <summary>The singleton moved away: this node no longer reports render jobs.</summary>
    protected override void PostStop()
    {
        RenderMetrics.Ledger(null, 0);
        base.PostStop();
    }

    /// <remarks>Finished jobs past their retention leave the ledger here.</remarks>
    protected override IFleetEvent TakeSnapshot() => (_ledger = _ledger.Retain(Now)).ToSnapshot();

    protected override void RestoreSnapshot(object snapshot) => _ledger = RenderLedger.FromSnapshot((RenderLedgerSnapshot)snapshot);

    /// <summary>Only senders allowed to send a message reach the handlers (<see cref="CommandGuard"/>).</summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        !CommandGuard.Admit(Context, message, Context.GetLogger()) || base.AroundReceive(receive, message);

    public static Props Props(TimeProvider? clock = null, JobTexts? texts = null) => Akka.Actor.Props.Create(() => new RenderScheduler(clock ?? TimeProvider.System, texts));

    private DateTimeOffset Now => _clock.GetUtcNow();

    private void Pulled(WorkerPull p)
    {
        if (!_workers.TryGetValue(p.WorkerId, out var known) || !known.Ref.Equals(Sender))
        {
            Context.Watch(Sender);
            _log.Info("render worker {0} pulling: {1} slot(s), {2}", p.WorkerId, p.Slots, p.Encoder);
        }
        _workers[p.WorkerId] = new Worker(Sender, p.Slots, p.Gpu);
        // What the ledger runs there but the worker does not (after a grace for assignments still on the way) was lost.
        var running = p.Running.ToHashSet(StringComparer.Ordinal);
        foreach (var id in _assignedAt.Where(a => Now - a.Value < AssignGrace).Select(a => a.Key)) running.Add(id);
        RequeueLost(_ledger.WorkerLost(p.WorkerId, running, "worker does not run it", Now));
    }

    private void Decide((object Reply, IReadOnlyList<IFleetEvent> Events) decided, IActorRef sender, Action? first = null)
    {
        if (decided.Events.Count == 0) { first?.Invoke(); sender.Tell(decided.Reply); return; }
        Persist(decided.Events, () =>
        {
            first?.Invoke();
            foreach (var a in decided.Events.OfType<RenderJobEvents.Accepted>())
                _log.Info("render job {0} accepted: {1} v{2} {3}p for {4}", a.JobId, a.Spec.CampaignId, a.Spec.CampaignVersion, a.Spec.Height, a.DeviceId);
            sender.Tell(decided.Reply);
        });
    }

    /// <summary>Holds a submitted job's text while the job is unfinished (a repeat submission brings it back after a take-over).</summary>
    private void KeepText(Submit cmd)
    {
        var key = cmd.Spec.KeyFor(cmd.DeviceId);
        if (PersonalFields.NeedsText(cmd.Spec) && _ledger.ByKey.TryGetValue(key, out var id)
            && _ledger.Jobs[id].Status is RenderJobStatus.Queued or RenderJobStatus.Running && !_texts.ContainsKey(id))
        {
            _texts[id] = cmd.Spec;
            _stored?.Put(id, cmd.Spec);
        }
    }

    /// <summary>Ends the submission's span; a job it accepted (or found unfinished and untraced) carries the span on to its worker.</summary>
    private void KeepTrace(Submit cmd, System.Diagnostics.Activity? span)
    {
        if (span is null) return;
        if (_ledger.ByKey.TryGetValue(cmd.Spec.KeyFor(cmd.DeviceId), out var id) && _ledger.Jobs[id].Status is RenderJobStatus.Queued or RenderJobStatus.Running)
        {
            span.SetTag("render.job_id", id);
            _traces.TryAdd(id, span.Id!);
        }
        span.Dispose();
    }

    /// <summary>A worker's result: recorded once (a repeat changes nothing) and always acknowledged, so the worker stops resending.</summary>
    private void Record(IReadOnlyList<IFleetEvent> events, string jobId, int attempt, IActorRef worker, string what)
    {
        if (events.Count == 0) { worker.Tell(new WorkAcked(jobId, attempt)); return; }
        Persist(events, () =>
        {
            _log.Info("render job {0} {1}", jobId, what);
            worker.Tell(new WorkAcked(jobId, attempt));
        });
    }

    /// <summary>Attempts of a lost worker or a lost assignment: their jobs go back to the queue.</summary>
    private void RequeueLost(IReadOnlyList<IFleetEvent> events)
    {
        if (events.Count == 0) { Dispatch(); return; }
        Persist(events, () =>
        {
            foreach (var f in events.OfType<RenderJobEvents.AttemptFailed>()) _log.Warning("render job {0} attempt {1} lost: {2}", f.JobId, f.Attempt, f.Reason);
        });
    }

    /// <summary>Persists the ledger's events and applies each; once all are applied, runs <paramref name="then"/> and dispatches.</summary>
    private void Persist(IReadOnlyList<IFleetEvent> events, Action then)
    {
        var left = events.Count;
        PersistAll(events, e =>
        {
            _ledger = _ledger.Apply(e);
            if (e switch { RenderJobEvents.Completed c => c.JobId, RenderJobEvents.AttemptFailed f => f.JobId, _ => null } is { } ended)
            {
                _assignedAt.Remove(ended);
                var job = _ledger.Jobs[ended];
                if (job.Status is RenderJobStatus.Done or RenderJobStatus.Failed)
                {
                    if (_traces.Remove(ended, out var trace))
                        FleetTraces.Cloud.Start("render.result", trace)?.SetTag("render.job_id", ended).SetTag("render.status", job.Status.ToString().ToLowerInvariant())
                            .SetTag("render.attempts", job.Attempts).Dispose();
                    _texts.Remove(ended);
                    if (PersonalFields.NeedsText(job.Spec)) _stored?.Drop(ended);
                }
            }
            if (--left > 0) return;
            then();
            Dispatch();
        });
    }

    /// <summary>Queued jobs go to workers with a free slot (GPU workers first, then the emptiest), one event per assignment.</summary>
    private void Dispatch()
    {
        var free = _workers.ToDictionary(w => w.Key, w => w.Value.Slots - _ledger.RunningOn(w.Key) - _pending.Values.Count(p => p == w.Key),
            StringComparer.Ordinal);
        var assignments = new List<RenderJobEvents.Assigned>();
        var textless = new List<IFleetEvent>();
        foreach (var job in _ledger.Startable(Now).Where(j => !_pending.ContainsKey(j.JobId)))
        {
            if (PersonalFields.NeedsText(job.Spec) && !_texts.ContainsKey(job.JobId))
            {
                if (_stored?.Find(job.JobId, job.Spec) is { } kept) _texts[job.JobId] = kept;
                else { textless.AddRange(_ledger.TextLost(job, Now)); continue; }
            }
            var pick = free.Where(f => f.Value > 0).OrderByDescending(f => _workers[f.Key].Gpu).ThenByDescending(f => f.Value)
                .ThenBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key).FirstOrDefault();
            if (pick is null) break;
            free[pick]--;
            _pending[job.JobId] = pick;
            assignments.Add(new RenderJobEvents.Assigned(job.JobId, job.Attempts + 1, pick, Now));
        }
        if (textless.Count > 0) Persist(textless, () => _log.Warning("{0} render job(s) failed: their text was not kept across a scheduler restart", textless.Count));
        if (assignments.Count == 0) return;
        PersistAll(assignments, a =>
        {
            _ledger = _ledger.Apply(a);
            _pending.Remove(a.JobId);
            _assignedAt[a.JobId] = Now;
            if (_workers.TryGetValue(a.WorkerId, out var w)) w.Ref.Tell(new Assign(a.JobId, a.Attempt, _texts.GetValueOrDefault(a.JobId) ?? _ledger.Jobs[a.JobId].Spec,
                _traces.GetValueOrDefault(a.JobId)));
        });
    }

    private sealed class Tick : IDeadLetterSuppression
    {
        public static readonly Tick Instance = new();
    }
}
