using Fleet.Cloud.Rollouts;
using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Rollouts.RolloutCommands;

namespace Fleet.Cloud.Node.Tests.Rollouts;

/// <summary>The rollout state machine, one observation at a time, on a made-up fleet.</summary>
public sealed class RolloutBookTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> NoTags = new();
    private static readonly CampaignReplies.ArtifactResolved SaleV3 = new(RolloutArtifact.Parse("campaign:sale@3"), "sale", 3, 2, null, "sale v2");
    private static readonly HealthWindow Healthy = new(100, 100, 0, 0, 0, 200, Timed: 100);
    private static readonly HealthWindow Broken = new(100, 60, 40, 0, 0, 200, Timed: 100);

    private static Start StartCmd(IReadOnlyList<double>? stages = null, TimeSpan? bake = null, TimeSpan? timeout = null, long minSamples = 20) =>
        new(SaleV3.Artifact, stages ?? [10, 50, 100], bake ?? TimeSpan.FromMinutes(5), NoTags, [], minSamples,
            timeout ?? TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), "op", "new copy");

    private static List<EligibleDevice> Fleet(int n, Func<int, bool>? online = null) =>
        Enumerable.Range(1, n).Select(i => new EligibleDevice($"d{i:00}", NoTags, online?.Invoke(i) ?? true)).ToList();

    private static (RolloutBook Book, object Reply) Apply(RolloutBook book, (object Reply, IReadOnlyList<IFleetEvent> Events) d) =>
        (d.Events.Aggregate(book, (b, e) => b.Apply(e)), d.Reply);

    private static (RolloutBook Book, IReadOnlyList<IFleetEvent> Events) Observe(RolloutBook book, List<EligibleDevice> fleet, DateTimeOffset now,
        HealthWindow canary, Func<string, DeviceSyncReport?>? reports = null)
    {
        var r = book.Rollouts.Single();
        // Unless a test says otherwise, every device has run the campaign's baseline version for a day.
        var snap = new FleetSnapshot(fleet, fleet.Select(d => reports?.Invoke(d.DeviceId) ?? OnBaseline(d.DeviceId)).ToDictionary(x => x.DeviceId), now);
        var (observed, events) = RolloutBook.Step(r, snap, canary, Healthy);
        return (events.Aggregate(book.WithObservation(observed), (b, e) => b.Apply(e)), events);
    }

    private static DeviceSyncReport OnBaseline(string id) => new(id, [new RunningCampaign("sale", 2, "k1", T0.AddDays(1))], [], T0.AddDays(-1));

    private static RolloutBook Started(Start? cmd = null) => Apply(new RolloutBook(), new RolloutBook().Handle(cmd ?? StartCmd(), SaleV3, T0)).Book;

    [Fact]
    public void A_small_fleet_still_gets_a_canary_and_passing_stages_grow_the_cohort_stickily_until_completed()
    {
        var fleet = Fleet(7);
        var book = Observe(Started(), fleet, T0.AddSeconds(1), Healthy).Book;
        var first = book.Rollouts.Single().Cohort.Keys.ToList();
        Assert.Single(first); // ceil(10 % of 7) = 1

        book = Observe(book, fleet, T0.AddMinutes(6), Healthy).Book; // bake over, gates pass -> stage 2
        Assert.Equal(1, book.Rollouts.Single().Stage);
        book = Observe(book, fleet, T0.AddMinutes(6).AddSeconds(1), Healthy).Book;
        var second = book.Rollouts.Single().Cohort.Keys.ToList();
        Assert.Equal(4, second.Count); // ceil(50 % of 7)
        Assert.Subset(second.ToHashSet(), first.ToHashSet());

        book = Observe(book, fleet, T0.AddMinutes(12), Healthy).Book;
        book = Observe(book, fleet, T0.AddMinutes(18), Healthy).Book;
        var done = book.Rollouts.Single();
        Assert.Equal(RolloutStatus.Completed, done.Status);
        Assert.Equal(7, done.Cohort.Count);
        Assert.Contains(RolloutBook.Directives(done), d => d is CampaignCommands.MarkVersion { Withdrawn: false, Version: 3 });
    }

    [Fact]
    public void A_copy_review_hold_keeps_passing_gates_at_stage_1_and_refuses_a_promotion_until_it_is_lifted()
    {
        var fleet = Fleet(7);
        var book = Started();
        (RolloutBook, IReadOnlyList<IFleetEvent>) Step(DateTimeOffset now, string? hold)
        {
            var snap = new FleetSnapshot(fleet, fleet.Select(d => OnBaseline(d.DeviceId)).ToDictionary(x => x.DeviceId), now,
                hold is null ? null : new Dictionary<string, string> { [book.Rollouts.Single().Id] = hold });
            var (observed, events) = RolloutBook.Step(book.Rollouts.Single(), snap, Healthy, Healthy);
            return (events.Aggregate(book.WithObservation(observed), (b, e) => b.Apply(e)), events);
        }
        (book, _) = Step(T0.AddSeconds(1), "copy review: 2 variant(s) unreviewed, 0 rejected");
        var (held, events) = Step(T0.AddMinutes(6), "copy review: 2 variant(s) unreviewed, 0 rejected"); // bake over, gates pass
        book = held;
        Assert.Empty(events);
        Assert.Equal(0, book.Rollouts.Single().Stage);
        Assert.Contains("held: copy review", book.Rollouts.Single().Verdict);
        var refused = Assert.IsType<Refused>(book.Handle(new Act(book.Rollouts.Single().Id, RolloutAction.Promote, "skip", "op"), T0.AddMinutes(6)).Reply);
        Assert.Equal(RefusalCode.Conflict, refused.Code);

        (book, events) = Step(T0.AddMinutes(7), null);
        Assert.Equal(1, book.Rollouts.Single().Stage);
    }

    [Fact]
    public void Devices_that_do_not_run_the_campaign_are_neither_canary_nor_baseline()
    {
        var fleet = Fleet(4);
        DeviceSyncReport? Reports(string id) => id == "d04" ? new DeviceSyncReport(id, [new RunningCampaign("other", 1, "k1", T0)], [], T0) : null;
        var book = Observe(Started(StartCmd(stages: [100])), fleet, T0.AddSeconds(1), Healthy, Reports).Book;
        var r = book.Rollouts.Single();
        Assert.Equal(3, r.Eligible);
        Assert.DoesNotContain("d04", r.Cohort.Keys);
    }

    [Fact]
    public void Too_few_samples_never_pass_and_a_stage_that_times_out_pauses_for_a_person()
    {
        var fleet = Fleet(10);
        var thin = new HealthWindow(3, 3, 0, 0, 0, 150, Timed: 3);
        var book = Observe(Started(StartCmd(timeout: TimeSpan.FromMinutes(20))), fleet, T0.AddMinutes(10), thin).Book;
        var r = book.Rollouts.Single();
        Assert.Equal((RolloutStatus.Running, 0), (r.Status, r.Stage));
        Assert.Contains("3 of 20", r.Verdict);

        book = Observe(book, fleet, T0.AddMinutes(21), thin).Book;
        r = book.Rollouts.Single();
        Assert.Equal(RolloutStatus.Paused, r.Status);
        Assert.Contains("timed out", r.History[^1].Why);

        (book, var reply) = Apply(book, book.Handle(new Act(r.Id, RolloutAction.Resume, "traffic is back", "op"), T0.AddMinutes(30)));
        Assert.Equal(RolloutStatus.Running, Assert.IsType<RolloutView>(reply).Status);
        Assert.Equal(T0.AddMinutes(30), book.Rollouts.Single().StageStartedAt);
    }

    [Fact]
    public void A_breached_gate_rolls_back_and_the_rollback_ends_when_every_cohort_device_confirms_the_previous_version()
    {
        var fleet = Fleet(4);
        var book = Observe(Started(StartCmd(stages: [50, 100])), fleet, T0.AddSeconds(1), Healthy).Book;
        var cohort = book.Rollouts.Single().Cohort.Keys.ToList();
        (book, var events) = Observe(book, fleet, T0.AddSeconds(2), Broken);
        var r = book.Rollouts.Single();
        Assert.Equal(RolloutStatus.RollingBack, r.Status);
        Assert.Contains("success>=0.99: canary 0.6", r.History[^1].Why);
        Assert.Contains(RolloutBook.Directives(r), d => d is CampaignCommands.MarkVersion { Withdrawn: true, Version: 3 });

        DeviceSyncReport On(string id, int version, DateTimeOffset at) => new(id, [new RunningCampaign("sale", version, "k1", at)], [], at);
        (book, _) = Observe(book, fleet, T0.AddSeconds(3), Healthy, id => id == cohort[0] ? On(id, 2, T0.AddSeconds(3)) : On(id, 3, T0.AddSeconds(1)));
        Assert.Equal(RolloutStatus.RollingBack, book.Rollouts.Single().Status);
        Assert.Contains(book.Rollouts.Single().Devices, d => d.DeviceId == cohort[0] && d.State == DeviceRolloutState.RolledBack);

        (book, _) = Observe(book, fleet, T0.AddSeconds(4), Healthy, id => On(id, 2, T0.AddSeconds(4)));
        Assert.Equal(RolloutStatus.RolledBack, book.Rollouts.Single().Status);
    }

    [Fact]
    public void Offline_cohort_devices_are_written_off_after_the_deadline_and_listed()
    {
        var fleet = Fleet(2, online: i => i != 1);
        var book = Observe(Started(StartCmd(stages: [100])), fleet, T0.AddSeconds(1), Healthy).Book;
        (book, _) = Apply(book, book.Handle(new Act("r1", RolloutAction.Abort, "wrong copy", "op"), T0.AddSeconds(2)));
        DeviceSyncReport Back(string id) => new(id, [new RunningCampaign("sale", 2, "k1", T0.AddSeconds(3))], [], T0.AddSeconds(3));
        (book, _) = Observe(book, fleet, T0.AddMinutes(5), Healthy, id => id == "d02" ? Back(id) : null);
        Assert.Equal(RolloutStatus.Aborting, book.Rollouts.Single().Status);
        (book, _) = Observe(book, fleet, T0.AddMinutes(11), Healthy, id => id == "d02" ? Back(id) : null);
        var r = book.Rollouts.Single();
        Assert.Equal(RolloutStatus.Aborted, r.Status);
        Assert.Equal(new[] { "d01" }, r.WrittenOff);
    }

    [Fact]
    public void A_device_that_cannot_load_the_artifact_breaches_the_load_error_gate_without_waiting_for_samples()
    {
        var model = new CampaignReplies.ArtifactResolved(RolloutArtifact.Parse("model:minilm@2.0.0"), null, null, null, new string('c', 64), "minilm as each manifest names it");
        var book = Apply(new RolloutBook(), new RolloutBook().Handle(StartCmd() with { Artifact = model.Artifact }, model, T0)).Book;
        var fleet = Fleet(3);
        book = Observe(book, fleet, T0.AddSeconds(1), HealthWindow.Empty).Book;
        var canary = book.Rollouts.Single().Cohort.Keys.Single();
        var failed = new DeviceSyncReport(canary, [], [], T0.AddSeconds(2), [new DeviceModel("minilm", "2.0.0", "model-corrupt: protobuf parsing failed")]);
        (book, _) = Observe(book, fleet, T0.AddSeconds(2), HealthWindow.Empty, id => id == canary ? failed : null);
        var r = book.Rollouts.Single();
        Assert.Equal(RolloutStatus.RollingBack, r.Status);
        Assert.Contains("load-errors", r.History[^1].Why);
        Assert.Equal(new object[] { new CampaignCommands.ClearOverlay("r1") }, RolloutBook.Directives(r));
    }

    [Fact]
    public void At_100_percent_the_p95_ratio_is_judged_against_the_baseline_recorded_when_the_last_stage_passed()
    {
        var fleet = Fleet(4);
        var book = Started(StartCmd(stages: [50, 100]) with { Gates = ["p95<=1.2x"] });
        book = Observe(book, fleet, T0.AddSeconds(1), Healthy).Book;
        book = Observe(book, fleet, T0.AddMinutes(6), Healthy).Book; // stage 1 passes with a baseline p95 of 200 ms
        var r = book.Rollouts.Single();
        Assert.Equal((1, 200.0), (r.Stage, r.ReferenceP95Ms));

        var slow = Healthy with { P95Ms = 300 };
        var snap = new FleetSnapshot(fleet, new Dictionary<string, DeviceSyncReport>(), T0.AddMinutes(7));
        var (observed, events) = RolloutBook.Step(r, snap, slow, HealthWindow.Empty);
        Assert.Contains(events, e => e is RolloutEvents.StatusChanged { To: RolloutStatus.RollingBack });
        Assert.Contains("limit 240 ms", observed.Verdict ?? ((RolloutEvents.StatusChanged)events[^1]).Why);
    }

    [Theory]
    [InlineData(new double[] { 1, 5, 25 }, "last stage must be 100")]
    [InlineData(new double[] { 5, 1, 100 }, "must rise")]
    [InlineData(new double[] { 0, 100 }, "(0, 100]")]
    public void Stage_lists_that_cannot_work_are_refused(double[] stages, string why)
    {
        var (reply, events) = new RolloutBook().Handle(StartCmd(stages: stages), SaleV3, T0);
        Assert.Empty(events);
        var refused = Assert.IsType<Refused>(reply);
        Assert.Equal(RefusalCode.Invalid, refused.Code);
        Assert.Contains(why, refused.Reason);
    }

    [Fact]
    public void A_second_rollout_of_the_same_campaign_is_refused_while_the_first_runs_and_allowed_after_it_ends()
    {
        var book = Started();
        var (reply, events) = book.Handle(StartCmd(), SaleV3 with { TargetVersion = 4 }, T0);
        Assert.Empty(events);
        Assert.Equal(RefusalCode.Conflict, Assert.IsType<Refused>(reply).Code);
        (book, _) = Apply(book, book.Handle(new Act("r1", RolloutAction.Promote, "looks fine", "op"), T0));
        (book, _) = Apply(book, book.Handle(new Act("r1", RolloutAction.Promote, "looks fine", "op"), T0));
        (book, _) = Apply(book, book.Handle(new Act("r1", RolloutAction.Promote, "looks fine", "op"), T0));
        Assert.Equal(RolloutStatus.Completed, book.Rollouts.Single().Status);
        Assert.IsType<RolloutView>(book.Handle(StartCmd(), SaleV3 with { TargetVersion = 4 }, T0).Reply);
    }

    [Fact]
    public void Actions_need_a_reason_and_a_state_that_allows_them()
    {
        var book = Started();
        Assert.Equal(RefusalCode.Invalid, Assert.IsType<Refused>(book.Handle(new Act("r1", RolloutAction.Pause, " ", "op"), T0).Reply).Code);
        Assert.Equal(RefusalCode.NotFound, Assert.IsType<Refused>(book.Handle(new Act("r9", RolloutAction.Pause, "x", "op"), T0).Reply).Code);
        Assert.Equal(RefusalCode.Conflict, Assert.IsType<Refused>(book.Handle(new Act("r1", RolloutAction.Resume, "x", "op"), T0).Reply).Code);
        (book, _) = Apply(book, book.Handle(new Act("r1", RolloutAction.Pause, "lunch", "alice"), T0));
        var last = book.Rollouts.Single().History[^1];
        Assert.Equal(("paused", "alice", "lunch"), (last.What, last.By, last.Why));
    }

    private static DeviceSyncReport OnVersion(string id, int version, DateTimeOffset at) => new(id, [new RunningCampaign("sale", version, "k1", at)], [], at);

    [Fact]
    public void A_rollout_promoted_to_completion_before_its_last_stage_grew_lists_every_device_it_released_to()
    {
        var fleet = Fleet(4);
        var book = Observe(Started(StartCmd(stages: [50, 100])), fleet, T0.AddSeconds(1), Healthy).Book;
        Assert.Equal(2, book.Rollouts.Single().Cohort.Count);
        // Two promotions before the coordinator observes the 100 % stage: its devices never joined the cohort.
        (book, _) = Apply(book, book.Handle(new Act("r1", RolloutAction.Promote, "go", "op"), T0.AddSeconds(2)));
        (book, _) = Apply(book, book.Handle(new Act("r1", RolloutAction.Promote, "go", "op"), T0.AddSeconds(3)));
        Assert.Equal(RolloutStatus.Completed, book.Rollouts.Single().Status);

        (book, var events) = Observe(book, fleet, T0.AddSeconds(4), Healthy);
        var r = book.Rollouts.Single();
        Assert.Equal(fleet.Select(d => d.DeviceId), r.Cohort.Keys);
        Assert.Equal(4, r.Devices.Count);
        Assert.False(r.Settled); // two devices have not confirmed v3 yet
        Assert.DoesNotContain(events, e => e is RolloutEvents.DevicesSettled);

        (book, events) = Observe(book, fleet, T0.AddSeconds(5), Healthy, id => OnVersion(id, 3, T0.AddSeconds(5)));
        r = book.Rollouts.Single();
        Assert.True(r.Settled);
        Assert.All(r.Devices, d => Assert.Equal(DeviceRolloutState.Running, d.State));
        Assert.Equal(fleet.Select(d => d.DeviceId), r.Devices.Select(d => d.DeviceId));
    }

    [Fact]
    public void A_coordinator_that_takes_over_after_the_end_still_lists_every_cohort_device_and_keeps_them_once_settled()
    {
        var fleet = Fleet(3);
        var journal = new List<IFleetEvent>();
        var book = new RolloutBook();
        void Keep(IReadOnlyList<IFleetEvent> events) { journal.AddRange(events); book = events.Aggregate(book, (b, e) => b.Apply(e)); }
        Keep(book.Handle(StartCmd(stages: [100], bake: TimeSpan.Zero), SaleV3, T0).Events);
        Keep(Observe(book, fleet, T0.AddSeconds(1), Healthy, id => OnVersion(id, 3, T0.AddSeconds(1))).Events);
        Assert.Equal(RolloutStatus.Completed, book.Rollouts.Single().Status); // gates passed with no bake: completed in the same step

        // The singleton moves before it observed the fleet again: the new one has only the journal.
        var takenOver = journal.Aggregate(new RolloutBook(), (b, e) => b.Apply(e));
        Assert.Single(takenOver.Observed);
        var (after, events) = Observe(takenOver, fleet, T0.AddSeconds(2), Healthy, id => OnVersion(id, 3, T0.AddSeconds(2)));
        journal.AddRange(events);
        Assert.Equal(3, after.Rollouts.Single().Devices.Count(d => d.State == DeviceRolloutState.Running));

        // Settled rows survive another hand-over, even once the devices have moved on to a newer version.
        var again = journal.Aggregate(new RolloutBook(), (b, e) => b.Apply(e));
        Assert.Empty(again.Observed);
        (again, _) = Observe(again, fleet, T0.AddMinutes(30), Healthy, id => OnVersion(id, 4, T0.AddMinutes(30)));
        Assert.Equal(3, again.Rollouts.Single().Devices.Count(d => d.State == DeviceRolloutState.Running));
    }

    [Fact]
    public void An_ended_rollout_whose_device_never_confirms_settles_with_what_it_knows_after_the_write_off_deadline()
    {
        var fleet = Fleet(2);
        var book = Observe(Started(StartCmd(stages: [100])), fleet, T0.AddSeconds(1), Healthy).Book;
        (book, _) = Apply(book, book.Handle(new Act("r1", RolloutAction.Promote, "go", "op"), T0.AddSeconds(2)));
        DeviceSyncReport? OnlyFirst(string id) => id == "d01" ? OnVersion(id, 3, T0.AddSeconds(3)) : null;
        (book, _) = Observe(book, fleet, T0.AddMinutes(5), Healthy, OnlyFirst);
        Assert.False(book.Rollouts.Single().Settled);
        (book, _) = Observe(book, fleet, T0.AddMinutes(13), Healthy, OnlyFirst);
        var r = book.Rollouts.Single();
        Assert.True(r.Settled);
        Assert.Equal([DeviceRolloutState.Running, DeviceRolloutState.NotYetNotified], r.Devices.Select(d => d.State));
    }

    [Fact]
    public void A_completed_rollout_waits_for_a_device_whose_sync_report_a_new_campaign_store_has_not_heard_yet()
    {
        var fleet = Fleet(3);
        var book = Observe(Started(StartCmd(stages: [100])), fleet, T0.AddSeconds(1), Healthy, id => id == "d03" ? null : OnVersion(id, 2, T0)).Book;
        (book, _) = Apply(book, book.Handle(new Act("r1", RolloutAction.Promote, "go", "op"), T0.AddSeconds(2)));
        // After a hand-over the store has no report from d03 yet: d01 and d02 run v3, d03 is neither judged nor left out for good.
        var reports = fleet.Where(d => d.DeviceId != "d03").ToDictionary(d => d.DeviceId, d => OnVersion(d.DeviceId, 3, T0.AddSeconds(3)));
        var (observed, events) = RolloutBook.Step(book.Rollouts.Single(), new FleetSnapshot(fleet, reports, T0.AddSeconds(3)), Healthy, Healthy);
        Assert.DoesNotContain(events, e => e is RolloutEvents.DevicesSettled);
        book = events.Aggregate(book.WithObservation(observed), (b, e) => b.Apply(e));

        (book, events) = Observe(book, fleet, T0.AddSeconds(4), Healthy, id => OnVersion(id, 3, T0.AddSeconds(4)));
        var r = book.Rollouts.Single();
        Assert.True(r.Settled);
        Assert.Equal(fleet.Select(d => d.DeviceId), r.Devices.Where(d => d.State == DeviceRolloutState.Running).Select(d => d.DeviceId));
    }
}
