using Fleet.Cloud.Renders;
using Fleet.Shared.Commands;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Serialization;
using static Fleet.Shared.RenderJobs.RenderSchedulerCommands;
using static Fleet.Shared.RenderJobs.RenderSchedulerReplies;

namespace Fleet.Cloud.Node.Tests.Renders;

public sealed class RenderLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private static RenderJobSpec Spec(string headline = "Summer Sale", string campaign = "summer-sale") =>
        new(campaign, 1, 1080, new Dictionary<string, string> { ["headline"] = headline, ["cta"] = "Shop now" }, $"{headline}. Shop now");

    private static (RenderLedger Ledger, object Reply) Submit(RenderLedger l, string device, RenderJobSpec spec, DateTimeOffset? at = null)
    {
        var (reply, events) = l.Handle(new Submit(device, spec), at ?? T0);
        return (events.Aggregate(l, (s, e) => s.Apply(e)), reply);
    }

    private static RenderLedger Apply(RenderLedger l, IEnumerable<IFleetEvent> events) => events.Aggregate(l, (s, e) => s.Apply(e));

    [Fact]
    public void The_journal_and_the_ledger_hold_slot_values_and_voice_lines_only_as_salted_hashes()
    {
        var (reply, events) = new RenderLedger().Handle(new Submit("kiosk-1", Spec("Zeta Sale")), T0);
        var accepted = Assert.IsType<RenderJobEvents.Accepted>(Assert.Single(events));
        var json = System.Text.Json.JsonSerializer.Serialize(accepted, FleetJson.Options);
        Assert.DoesNotContain("Zeta Sale", json);
        Assert.Equal(PersonalFields.Hash(accepted.JobId, "Zeta Sale"), accepted.Spec.Fields["headline"]);
        Assert.Equal(accepted.Spec.Fields["headline"], Assert.IsType<Accepted>(reply).Job.Spec.Fields["headline"]);
        // An event journalled with text (before hashing) is listed hashed all the same.
        var old = new RenderLedger().Apply(accepted with { Spec = Spec("Zeta Sale") });
        Assert.Equal(accepted.Spec.Fields["headline"], old.Jobs[accepted.JobId].Spec.Fields["headline"]);
    }

    [Fact]
    public void The_same_job_key_returns_the_same_job_and_is_charged_once()
    {
        var (l, first) = Submit(new RenderLedger(), "kiosk-1", Spec());
        var (l2, again) = Submit(l, "kiosk-1", Spec());
        var a = Assert.IsType<Accepted>(first);
        var b = Assert.IsType<Accepted>(again);
        Assert.True(a.Created);
        Assert.False(b.Created);
        Assert.Equal(a.Job.JobId, b.Job.JobId);
        Assert.Equal(1, l2.UsageOf("summer-sale", T0).Renders);
        // Another device asking for the same copy is another job (tokens are per device).
        var (l3, other) = Submit(l2, "kiosk-2", Spec());
        Assert.NotEqual(a.Job.JobId, Assert.IsType<Accepted>(other).Job.JobId);
        Assert.Equal(2, l3.UsageOf("summer-sale", T0).Renders);
    }

    [Fact]
    public void One_base_job_per_campaign_version_and_height_serves_every_device_and_is_charged_once()
    {
        RenderJobSpec Base(int height) => new("summer-sale", 1, height, new Dictionary<string, string>(), null, Base: true);
        var (l, first) = Submit(new RenderLedger(), "kiosk-1", Base(1080));
        var (l2, second) = Submit(l, "kiosk-2", Base(1080));
        Assert.Equal(Assert.IsType<Accepted>(first).Job.JobId, Assert.IsType<Accepted>(second).Job.JobId);
        Assert.False(((Accepted)second).Created);
        Assert.Equal(1, l2.UsageOf("summer-sale", T0).Renders);
        var (_, taller) = Submit(l2, "kiosk-2", Base(1440));
        Assert.True(Assert.IsType<Accepted>(taller).Created);
    }

    [Fact]
    public void Over_the_renders_per_day_budget_a_job_is_refused_with_budget_and_nothing_is_recorded()
    {
        var l = Apply(new RenderLedger(), new RenderLedger().Handle(new SetBudget("summer-sale", 1, null, "op"), T0).Events);
        (l, _) = Submit(l, "kiosk-1", Spec("one"));
        var (reply, events) = l.Handle(new Submit("kiosk-2", Spec("two")), T0);
        Assert.Equal(RefusalCode.Budget, Assert.IsType<Refused>(reply).Code);
        Assert.Empty(events);
        // The next UTC day has a fresh budget; other campaigns are not affected.
        Assert.IsType<Accepted>(l.Handle(new Submit("kiosk-2", Spec("two")), T0.AddDays(1)).Reply);
        Assert.IsType<Accepted>(l.Handle(new Submit("kiosk-2", Spec("two", "winter")), T0).Reply);
    }

    [Fact]
    public void Render_seconds_are_charged_on_completion_and_limit_further_jobs()
    {
        var l = Apply(new RenderLedger(), new RenderLedger().Handle(new SetBudget("summer-sale", null, 5, "op"), T0).Events);
        (l, var r) = Submit(l, "kiosk-1", Spec("one"));
        var job = Assert.IsType<Accepted>(r).Job;
        l = l.Apply(new RenderJobEvents.Assigned(job.JobId, 1, "w1", T0));
        l = Apply(l, l.Handle(new WorkDone("w1", job.JobId, 1, new string('a', 64), 10, 6.5, "libx264"), T0));
        Assert.Equal(6.5, l.UsageOf("summer-sale", T0).RenderSeconds);
        Assert.Equal(RefusalCode.Budget, Assert.IsType<Refused>(l.Handle(new Submit("kiosk-1", Spec("two")), T0).Reply).Code);
    }

    [Fact]
    public void A_device_may_have_only_a_few_unfinished_jobs_of_a_campaign()
    {
        var l = new RenderLedger();
        for (var i = 0; i < RenderLedger.DefaultDeviceJobs; i++) (l, _) = Submit(l, "kiosk-1", Spec($"h{i}"));
        var refused = Assert.IsType<Refused>(l.Handle(new Submit("kiosk-1", Spec("more")), T0).Reply);
        Assert.Equal((RefusalCode.DeviceQuota, true), (refused.Code, refused.Reason.Contains($"(limit {RenderLedger.DefaultDeviceJobs})")));
        Assert.IsType<Accepted>(l.Handle(new Submit("kiosk-2", Spec("more")), T0).Reply);
        Assert.IsType<Accepted>(l.Handle(new Submit("kiosk-1", Spec("more", campaign: "winter-sale")), T0).Reply);
    }

    [Fact]
    public void The_budget_sets_how_many_unfinished_jobs_one_device_may_have_and_leaving_it_out_restores_the_default()
    {
        var (reply, events) = new RenderLedger().Handle(new SetBudget("summer-sale", null, null, "op", DeviceJobs: 3), T0);
        Assert.Equal(3, Assert.IsType<BudgetSet>(reply).Usage.DeviceJobs);
        var l = Apply(new RenderLedger(), events);
        for (var i = 0; i < 3; i++) (l, _) = Submit(l, "kiosk-1", Spec($"h{i}"));
        Assert.Equal(RefusalCode.DeviceQuota, Assert.IsType<Refused>(l.Handle(new Submit("kiosk-1", Spec("more")), T0).Reply).Code);

        var (_, back) = l.Handle(new SetBudget("summer-sale", 100, null, "op"), T0);
        Assert.Equal(RenderLedger.DefaultDeviceJobs, Apply(l, back).UsageOf("summer-sale", T0).DeviceJobs);
        Assert.Equal(RefusalCode.Invalid, Assert.IsType<Refused>(l.Handle(new SetBudget("summer-sale", null, null, "op", DeviceJobs: 0), T0).Reply).Code);
    }

    [Fact]
    public void A_campaign_that_does_not_allow_cloud_renders_and_bad_heights_are_refused()
    {
        Assert.Equal(RefusalCode.NotAllowed, Assert.IsType<Refused>(new RenderLedger().Handle(new Submit("kiosk-1", Spec(), AllowCloud: false), T0).Reply).Code);
        Assert.Equal(RefusalCode.Invalid, Assert.IsType<Refused>(new RenderLedger().Handle(new Submit("kiosk-1", Spec() with { Height = 1000 }), T0).Reply).Code);
    }

    [Fact]
    public void Failures_are_retried_with_backoff_and_the_third_ends_the_job_failed_with_its_reason()
    {
        var (l, r) = Submit(new RenderLedger(), "kiosk-1", Spec());
        var id = Assert.IsType<Accepted>(r).Job.JobId;
        var now = T0;
        for (var attempt = 1; attempt <= RenderLedger.MaxAttempts; attempt++)
        {
            Assert.Contains(l.Startable(now), j => j.JobId == id);
            l = l.Apply(new RenderJobEvents.Assigned(id, attempt, "w1", now));
            Assert.Equal(RenderJobStatus.Running, l.Jobs[id].Status);
            l = Apply(l, l.Handle(new WorkFailed("w1", id, attempt, $"ffmpeg exited {attempt}"), now));
            if (attempt < RenderLedger.MaxAttempts)
            {
                Assert.Equal(RenderJobStatus.Queued, l.Jobs[id].Status);
                Assert.DoesNotContain(l.Startable(now), j => j.JobId == id); // backing off
                now += RenderLedger.Backoff(attempt);
            }
        }
        Assert.Equal(RenderJobStatus.Failed, l.Jobs[id].Status);
        Assert.Contains("ffmpeg exited 3", l.Jobs[id].Error);
        Assert.Equal(3, l.Jobs[id].AttemptErrors.Count);
        Assert.Empty(l.Startable(now.AddHours(1)));
    }

    [Fact]
    public void A_lost_worker_re_queues_its_jobs_and_a_late_result_of_the_lost_attempt_changes_nothing()
    {
        var (l, r) = Submit(new RenderLedger(), "kiosk-1", Spec());
        var id = Assert.IsType<Accepted>(r).Job.JobId;
        l = l.Apply(new RenderJobEvents.Assigned(id, 1, "w1", T0));
        Assert.Equal(1, l.RunningOn("w1"));
        // A worker that reports it still runs the job keeps it.
        Assert.Empty(l.WorkerLost("w1", new HashSet<string> { id }, "worker does not run it", T0));
        l = Apply(l, l.WorkerLost("w1", new HashSet<string>(), "worker lost", T0));
        Assert.Equal(RenderJobStatus.Queued, l.Jobs[id].Status);
        Assert.Equal(0, l.RunningOn("w1"));
        l = l.Apply(new RenderJobEvents.Assigned(id, 2, "w2", T0.AddSeconds(2)));
        Assert.Empty(l.Handle(new WorkDone("w1", id, 1, new string('a', 64), 10, 1, "libx264"), T0)); // the lost attempt
        l = Apply(l, l.Handle(new WorkDone("w2", id, 2, new string('b', 64), 10, 1, "libx264"), T0));
        Assert.Equal(RenderJobStatus.Done, l.Jobs[id].Status);
        Assert.Equal(new string('b', 64), l.Jobs[id].Sha256);
        Assert.Empty(l.Handle(new WorkDone("w2", id, 2, new string('c', 64), 10, 1, "libx264"), T0)); // a repeat
        Assert.Equal(1, l.UsageOf("summer-sale", T0).Renders);
    }

    [Fact]
    public void Replaying_the_events_gives_the_same_ledger()
    {
        var events = new List<IFleetEvent>();
        var l = new RenderLedger();
        foreach (var cmd in new[] { new Submit("kiosk-1", Spec("a")), new Submit("kiosk-2", Spec("b")), new Submit("kiosk-1", Spec("a")) })
        {
            var (_, e) = l.Handle(cmd, T0);
            events.AddRange(e);
            l = Apply(l, e);
        }
        var replayed = Apply(new RenderLedger(), events);
        Assert.Equal(l.Jobs.Keys.Order(), replayed.Jobs.Keys.Order());
        Assert.Equal(2, replayed.UsageOf("summer-sale", T0).Renders);
        Assert.Equal(2, events.Count);
    }
}
