using Akka.Actor;
using Fleet.Cloud.Renders;
using Fleet.Shared.RenderJobs;
using static Fleet.Shared.RenderJobs.RenderSchedulerCommands;
using static Fleet.Shared.RenderJobs.RenderSchedulerReplies;

namespace Fleet.Cloud.Node.Tests.Persistence;

/// <summary>The render scheduler started again recovers its jobs, budgets and job counter from snapshot and journal.</summary>
public sealed class RenderSchedulerSpec : PersistentActorSpec
{
    // No slot values and no voice line: the job needs no text kept outside the journal, so it survives the restart queued.
    private static RenderJobSpec Spec(int version) => new("sale", version, 1080, new Dictionary<string, string>(), null);

    [Fact]
    public void Started_again_it_knows_every_job_and_budget_and_its_journal_keeps_only_events_after_the_snapshot()
    {
        var first = Sys.ActorOf(RenderScheduler.Props());
        first.Tell(new SetBudget("sale", 100, null, "op", DeviceJobs: 20), TestActor);
        ExpectMsg<BudgetSet>(Wait);
        var jobs = new List<string>();
        for (var i = 1; i <= 11; i++)
        {
            first.Tell(new Submit($"kiosk-{i}", Spec(1)), TestActor);
            var accepted = ExpectMsg<Accepted>(Wait);
            Assert.True(accepted.Created);
            jobs.Add(accepted.Job.JobId);
        }
        var before = first.Ask<JobList>(new ListJobs(null), Wait).Result;
        AssertOnlyEventsAfterTheLatestSnapshot("render-scheduler", lastEvent: 12);
        StopAndWait(first);

        var again = Sys.ActorOf(RenderScheduler.Props());
        Assert.Equal(Json(before), Json(again.Ask<JobList>(new ListJobs(null), Wait).Result));
        // The same request gets the same job; a new one gets the next number, not one already used.
        again.Tell(new Submit("kiosk-3", Spec(1)), TestActor);
        var same = ExpectMsg<Accepted>(Wait);
        Assert.Equal((jobs[2], false), (same.Job.JobId, same.Created));
        again.Tell(new Submit("kiosk-12", Spec(1)), TestActor);
        var fresh = ExpectMsg<Accepted>(Wait);
        Assert.True(fresh.Created);
        Assert.DoesNotContain(fresh.Job.JobId, jobs);
        Assert.StartsWith("rj-000012-", fresh.Job.JobId);
    }
}
