using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Edge.Rendering;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Serialization;

namespace Fleet.Integration.Tests;

/// <summary>Personal slot values (template fields marked pii) never reach the cloud, through a real cloud, worker and device.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PersonalDataTests
{
    private const string Name = "Alice Zebrowska";
    private const string Loyalty = "LOY-4242-7781";

    /// <summary>Everything the cloud's journal holds on disk (the SQLite file and its write-ahead log), as text.</summary>
    private static string Journal(string dir) =>
        string.Concat(Directory.EnumerateFiles(dir, "fleet.db*").Select(f =>
        {
            using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var m = new MemoryStream();
            s.CopyTo(m);
            return Encoding.UTF8.GetString(m.ToArray());
        }));

    [Fact]
    public async Task A_delegated_render_that_draws_a_pii_field_goes_hybrid_and_the_cloud_never_holds_the_value()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        await using var cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.MarkPersonal(SampleCampaign.CopyTo(tmp.Sub("summer"))))).Status);
        await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { } });
        var http = Ports.Free();
        await using var edge = DistributionTests.Start(cloud, tmp.Sub("kiosk"), "kiosk-1", "", http);
        await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 1, "kiosk-1");
        using var local = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromMinutes(3) };

        // Delegation asked for, with personal fields in the context: the cloud makes the base, the device draws the ad.
        using var answer = await local.PostAsJsonAsync("v1/render", new
        {
            campaign_id = "summer-sale", mode = Delegation.Cloud,
            context = new { fields = new Dictionary<string, string> { ["first_name"] = Name, ["loyalty_id"] = Loyalty } },
        }, FleetJson.Options);
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, text);
        var outcome = JsonSerializer.Deserialize<RenderEndpoints.RenderReply>(text, FleetJson.Options)!.Outcome;
        Assert.True(outcome.Success, string.Join(", ", outcome.Fallbacks));
        Assert.Equal("fast", outcome.Path); // drawn here, not "cloud"
        Assert.Contains("base", outcome.StageMs.Keys);
        Assert.DoesNotContain("delegate", outcome.StageMs.Keys);

        var viewer = await cloud.TokenAsync("viewer");
        var listed = await cloud.GetAsync("/api/v1/renders", viewer);
        var job = Assert.Single(listed.As<RenderSchedulerReplies.JobList>().Jobs);
        Assert.True(job.Spec.Base);
        Assert.Empty(job.Spec.Fields);
        Assert.DoesNotContain(Name, listed.Body);
        Assert.DoesNotContain(Loyalty, listed.Body);
        var journal = Journal(tmp.Path);
        Assert.Contains("kiosk-1", journal); // the scan reads the journal (the job's device is in it) …
        Assert.DoesNotContain(Name, journal); // … and the personal values are not
        Assert.DoesNotContain(Loyalty, journal);

        // Asked of the cloud directly, a pii field is refused; other slot values are listed as salted hashes once done.
        var device = await cloud.TokenAsync("device", "kiosk-1");
        var personal = await cloud.PostJsonAsync("/api/v1/renders/jobs", new { campaign_id = "summer-sale", resolution = "720p",
            fields = new Dictionary<string, string> { ["headline"] = "Hello", ["first_name"] = Name } }, device);
        Assert.Equal(HttpStatusCode.BadRequest, personal.Status);
        Assert.Contains("'first_name' is personal data", personal.Error);
        const string Headline = "Zeta summer offer";
        var ticket = await cloud.PostJsonAsync("/api/v1/renders/jobs", new { campaign_id = "summer-sale", resolution = "720p",
            fields = new Dictionary<string, string> { ["headline"] = Headline, ["cta"] = "Shop now" }, voice_line = $"{Headline}. Shop now" }, device);
        Assert.Equal(HttpStatusCode.Accepted, ticket.Status);
        var jobId = ticket.Json.GetProperty("job_id").GetString()!;
        var done = await Eventually.Until(async () => (await cloud.GetAsync($"/api/v1/renders/jobs/{jobId}", viewer)).As<RenderJobView>(),
            j => j.Status is RenderJobStatus.Done or RenderJobStatus.Failed, TimeSpan.FromSeconds(120), "the cloud render done");
        Assert.Equal(RenderJobStatus.Done, done.Status);
        Assert.Equal(PersonalFields.Hash(jobId, Headline), done.Spec.Fields["headline"]);
        Assert.Equal(PersonalFields.Hash(jobId, $"{Headline}. Shop now"), done.Spec.VoiceLine);
        Assert.DoesNotContain(Headline, (await cloud.GetAsync("/api/v1/renders", viewer)).Body);
        Assert.DoesNotContain(Headline, Journal(tmp.Path));
        // The sealed copy a scheduler taking over would need is gone with the job.
        Assert.Empty(Fleet.Shared.Persistence.ControlStore.Open(db).Read(tx => tx.Query("SELECT job_id FROM fleet_render_job_texts", r => r.GetString(0))));
    }
}
