using System.Collections.Immutable;
using Fleet.Shared.Commands;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Serialization;
using static Fleet.Shared.RenderJobs.RenderSchedulerCommands;
using static Fleet.Shared.RenderJobs.RenderSchedulerReplies;

namespace Fleet.Cloud.Renders;

/// <summary>
/// The render job ledger and its rules: one job per key (idempotent), budgets per campaign and day checked before a
/// job is accepted, a few unfinished jobs per device and campaign (<see cref="DefaultDeviceJobs"/> unless the budget says
/// otherwise), three attempts per job.
/// Pure: the scheduler actor persists what this decides.
/// </summary>
public sealed record RenderLedger
{
    public const int MaxAttempts = 3;
    public const int DefaultDeviceJobs = 2;

    public ImmutableDictionary<string, RenderJobView> Jobs { get; init; } = ImmutableDictionary<string, RenderJobView>.Empty.WithComparers(StringComparer.Ordinal);
    public ImmutableDictionary<string, string> ByKey { get; init; } = ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);
    public ImmutableDictionary<string, (int? Renders, double? Seconds, int? DeviceJobs)> Budgets { get; init; } =
        ImmutableDictionary<string, (int?, double?, int?)>.Empty.WithComparers(StringComparer.Ordinal);
    /// <summary>(campaign, day) → renders accepted and render-seconds spent that day.</summary>
    public ImmutableDictionary<(string Campaign, string Day), (int Renders, double Seconds)> Usage { get; init; } =
        ImmutableDictionary<(string, string), (int, double)>.Empty;
    /// <summary>When a failed job's next attempt may start (backoff); not persisted: after a restart it may start at once.</summary>
    public ImmutableDictionary<string, DateTimeOffset> NotBefore { get; init; } = ImmutableDictionary<string, DateTimeOffset>.Empty.WithComparers(StringComparer.Ordinal);
    public long Accepted { get; init; }

    /// <summary>
    /// How long a finished (done or failed) job and a day's usage stay in the ledger. The same request within this time
    /// gets the same job and is not charged again; after it, the job is forgotten and its events leave the journal.
    /// </summary>
    public static readonly TimeSpan FinishedKeptFor = TimeSpan.FromDays(7);

    /// <summary>Forgets jobs finished, and days of usage ended, more than <see cref="FinishedKeptFor"/> before <paramref name="now"/>.</summary>
    public RenderLedger Retain(DateTimeOffset now)
    {
        var firstDay = DayOf(now - FinishedKeptFor);
        var gone = Jobs.Values.Where(j => j.FinishedAt is { } at && now - at > FinishedKeptFor).ToList();
        return this with
        {
            Jobs = Jobs.RemoveRange(gone.Select(j => j.JobId)),
            // Keys come from the submitted text (jobs hold hashes of it), so they are found by job id.
            ByKey = ByKey.RemoveRange(ByKey.Where(k => gone.Any(j => j.JobId == k.Value)).Select(k => k.Key)),
            NotBefore = NotBefore.RemoveRange(gone.Select(j => j.JobId)),
            Usage = Usage.RemoveRange(Usage.Keys.Where(k => string.CompareOrdinal(k.Day, firstDay) < 0)),
        };
    }

    public RenderLedgerSnapshot ToSnapshot() => new(
        Jobs.Values.OrderBy(j => j.JobId, StringComparer.Ordinal).ToList(),
        Budgets.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => new RenderLedgerSnapshot.Budget(b.Key, b.Value.Renders, b.Value.Seconds, b.Value.DeviceJobs)).ToList(),
        Usage.OrderBy(u => u.Key.Campaign, StringComparer.Ordinal).ThenBy(u => u.Key.Day, StringComparer.Ordinal)
            .Select(u => new RenderLedgerSnapshot.DayUsage(u.Key.Campaign, u.Key.Day, u.Value.Renders, u.Value.Seconds)).ToList(),
        Accepted,
        ByKey.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal));

    public static RenderLedger FromSnapshot(RenderLedgerSnapshot s)
    {
        var empty = new RenderLedger();
        return empty with
        {
            Jobs = empty.Jobs.SetItems(s.Jobs.Select(j => KeyValuePair.Create(j.JobId, j))),
            ByKey = empty.ByKey.SetItems(s.Keys ?? s.Jobs.ToDictionary(j => j.Spec.KeyFor(j.DeviceId), j => j.JobId)),
            Budgets = empty.Budgets.SetItems(s.Budgets.Select(b => KeyValuePair.Create(b.CampaignId, (b.RendersPerDay, b.RenderSecondsPerDay, b.DeviceJobs)))),
            Usage = empty.Usage.SetItems(s.Usage.Select(u => KeyValuePair.Create((u.CampaignId, u.Day), (u.Renders, u.RenderSeconds)))),
            Accepted = s.Accepted,
        };
    }

    public static string DayOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd");

    /// <summary>Backoff before attempt n+1 after n failures: 1 s, 2 s, 4 s … (no jitter: the ledger's state is replayed from events).</summary>
    public static TimeSpan Backoff(int failures) => RetryBackoff.Delay(failures);

    private static readonly Fleet.Shared.Resilience.Backoff RetryBackoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Handle(Submit cmd, DateTimeOffset now)
    {
        var spec = cmd.Spec;
        if (string.IsNullOrWhiteSpace(spec.CampaignId) || spec.CampaignVersion <= 0 || !RenderVariants.IsKnown(spec.Height))
            return (new Refused(RefusalCode.Invalid, $"campaign, version and a height of {string.Join("/", RenderVariants.Heights)} are required"), Array.Empty<IFleetEvent>());
        var key = spec.KeyFor(cmd.DeviceId);
        if (ByKey.TryGetValue(key, out var existing)) return (new RenderSchedulerReplies.Accepted(Jobs[existing], false), Array.Empty<IFleetEvent>());
        if (!cmd.AllowCloud) return (new Refused(RefusalCode.NotAllowed, $"campaign {spec.CampaignId} does not allow cloud renders"), Array.Empty<IFleetEvent>());
        var day = DayOf(now);
        var used = Usage.GetValueOrDefault((spec.CampaignId, day));
        if (Budgets.TryGetValue(spec.CampaignId, out var budget))
        {
            if (budget.Renders is { } max && used.Renders >= max)
                return (new Refused(RefusalCode.Budget, $"campaign {spec.CampaignId} used its {max} cloud renders for {day}"), Array.Empty<IFleetEvent>());
            if (budget.Seconds is { } secs && used.Seconds >= secs)
                return (new Refused(RefusalCode.Budget, $"campaign {spec.CampaignId} used its {secs:0.#} render-seconds for {day}"), Array.Empty<IFleetEvent>());
        }
        var open = Jobs.Values.Count(j => j.DeviceId == cmd.DeviceId && j.Spec.CampaignId == spec.CampaignId && j.Status is RenderJobStatus.Queued or RenderJobStatus.Running);
        var deviceJobs = DeviceJobsOf(spec.CampaignId);
        if (open >= deviceJobs)
            return (new Refused(RefusalCode.DeviceQuota, $"device {cmd.DeviceId} already has {open} cloud renders of {spec.CampaignId} in progress (limit {deviceJobs})"), Array.Empty<IFleetEvent>());
        var jobId = $"rj-{Accepted + 1:D6}-{key[..8]}";
        // The journal never holds the job's text: the scheduler keeps it in memory until the job is done (see PersonalFields).
        var evt = new RenderJobEvents.Accepted(jobId, key, cmd.DeviceId, PersonalFields.Hashed(spec, jobId), day, now);
        return (new RenderSchedulerReplies.Accepted(ApplyAccepted(evt), true), new IFleetEvent[] { evt });
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Handle(SetBudget cmd, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(cmd.CampaignId)) return (new Refused(RefusalCode.Invalid, "a campaign id is required"), Array.Empty<IFleetEvent>());
        if (cmd.RendersPerDay is < 0 || cmd.RenderSecondsPerDay is < 0) return (new Refused(RefusalCode.Invalid, "budgets cannot be negative"), Array.Empty<IFleetEvent>());
        if (cmd.DeviceJobs is < 1) return (new Refused(RefusalCode.Invalid, "a device needs at least 1 concurrent cloud render (0 renders per day refuses all)"), Array.Empty<IFleetEvent>());
        var evt = new RenderJobEvents.BudgetSet(cmd.CampaignId, cmd.RendersPerDay, cmd.RenderSecondsPerDay, cmd.By, now, cmd.DeviceJobs);
        return (new BudgetSet(Apply(evt).UsageOf(cmd.CampaignId, now)), new IFleetEvent[] { evt });
    }

    /// <summary>Queued jobs that may start now, oldest first.</summary>
    public IEnumerable<RenderJobView> Startable(DateTimeOffset now) => Jobs.Values
        .Where(j => j.Status == RenderJobStatus.Queued && (!NotBefore.TryGetValue(j.JobId, out var nb) || nb <= now))
        .OrderBy(j => j.AcceptedAt).ThenBy(j => j.JobId, StringComparer.Ordinal);

    public int RunningOn(string workerId) => Jobs.Values.Count(j => j.Status == RenderJobStatus.Running && j.Worker == workerId);

    /// <summary>A result counts only for the attempt that is running; late or repeated results change nothing.</summary>
    public IReadOnlyList<IFleetEvent> Handle(WorkDone done, DateTimeOffset now) =>
        Jobs.TryGetValue(done.JobId, out var j) && j.Status == RenderJobStatus.Running && j.Attempts == done.Attempt
            ? new IFleetEvent[] { new RenderJobEvents.Completed(done.JobId, done.Attempt, done.WorkerId, done.Sha256, done.Size, done.RenderSeconds, done.Encoder, now) }
            : Array.Empty<IFleetEvent>();

    public IReadOnlyList<IFleetEvent> Handle(WorkFailed failed, DateTimeOffset now) =>
        Jobs.TryGetValue(failed.JobId, out var j) && j.Status == RenderJobStatus.Running && j.Attempts == failed.Attempt
            ? new IFleetEvent[] { new RenderJobEvents.AttemptFailed(failed.JobId, failed.Attempt, failed.Reason, now) }
            : Array.Empty<IFleetEvent>();

    /// <summary>Every job running on a worker that is gone (or does not run it any more) loses its attempt and is re-queued.</summary>
    /// <summary>Ends a job whose text this scheduler does not hold (it was accepted before a take-over): no worker could draw it.</summary>
    public IReadOnlyList<IFleetEvent> TextLost(RenderJobView job, DateTimeOffset now) =>
        [new RenderJobEvents.AttemptFailed(job.JobId, Math.Max(job.Attempts, MaxAttempts), "its text was not kept across a scheduler restart; the device renders it", now)];

    public IReadOnlyList<IFleetEvent> WorkerLost(string workerId, IReadOnlySet<string> stillRunning, string reason, DateTimeOffset now) => Jobs.Values
        .Where(j => j.Status == RenderJobStatus.Running && j.Worker == workerId && !stillRunning.Contains(j.JobId))
        .Select(j => (IFleetEvent)new RenderJobEvents.AttemptFailed(j.JobId, j.Attempts, reason, now)).ToList();

    public RenderUsageView UsageOf(string campaignId, DateTimeOffset now)
    {
        var day = DayOf(now);
        var used = Usage.GetValueOrDefault((campaignId, day));
        var budget = Budgets.GetValueOrDefault(campaignId);
        return new RenderUsageView(campaignId, day, used.Renders, Math.Round(used.Seconds, 3), budget.Renders, budget.Seconds, DeviceJobsOf(campaignId));
    }

    private int DeviceJobsOf(string campaignId) => Budgets.GetValueOrDefault(campaignId).DeviceJobs ?? DefaultDeviceJobs;

    public RenderLedger Apply(IFleetEvent evt) => evt switch
    {
        RenderJobEvents.Accepted a => this with
        {
            Jobs = Jobs.SetItem(a.JobId, ApplyAccepted(a)),
            ByKey = ByKey.SetItem(a.Key, a.JobId),
            Usage = Charge(a.Spec.CampaignId, a.Day, 1, 0),
            Accepted = Accepted + 1,
        },
        RenderJobEvents.Assigned s => Update(s.JobId, j => j with { Status = RenderJobStatus.Running, Attempts = s.Attempt, Worker = s.WorkerId }),
        RenderJobEvents.Completed c => Update(c.JobId, j => j with
        {
            Status = RenderJobStatus.Done, Worker = c.WorkerId, Sha256 = c.Sha256, Size = c.Size, RenderSeconds = c.RenderSeconds, Encoder = c.Encoder, FinishedAt = c.At,
        }) is var next && Jobs.TryGetValue(c.JobId, out var done)
            ? next with { Usage = next.Charge(done.Spec.CampaignId, DayOf(done.AcceptedAt), 0, c.RenderSeconds) }
            : this,
        RenderJobEvents.AttemptFailed f => Failed(f),
        RenderJobEvents.BudgetSet b => this with { Budgets = Budgets.SetItem(b.CampaignId, (b.RendersPerDay, b.RenderSecondsPerDay, b.DeviceJobs)) },
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "not a render ledger event"),
    };

    private RenderLedger Failed(RenderJobEvents.AttemptFailed f)
    {
        var reason = $"attempt {f.Attempt}: {f.Reason}";
        var final = f.Attempt >= MaxAttempts;
        var next = Update(f.JobId, j => j with
        {
            Status = final ? RenderJobStatus.Failed : RenderJobStatus.Queued,
            Worker = null,
            AttemptErrors = j.AttemptErrors.Append(reason).ToList(),
            Error = final ? $"failed {MaxAttempts} times; last: {f.Reason}" : null,
            FinishedAt = final ? f.At : null,
        });
        return final ? next : next with { NotBefore = NotBefore.SetItem(f.JobId, f.At + Backoff(f.Attempt)) };
    }

    private static RenderJobView ApplyAccepted(RenderJobEvents.Accepted a) =>
        new(a.JobId, a.DeviceId, PersonalFields.Hashed(a.Spec, a.JobId), RenderJobStatus.Queued, 0, null, null, null, null, null, null, Array.Empty<string>(), a.At, null);

    private RenderLedger Update(string jobId, Func<RenderJobView, RenderJobView> change) =>
        Jobs.TryGetValue(jobId, out var j) ? this with { Jobs = Jobs.SetItem(jobId, change(j)) } : this;

    private ImmutableDictionary<(string, string), (int, double)> Charge(string campaign, string day, int renders, double seconds)
    {
        var used = Usage.GetValueOrDefault((campaign, day));
        return Usage.SetItem((campaign, day), (used.Renders + renders, used.Seconds + seconds));
    }
}
