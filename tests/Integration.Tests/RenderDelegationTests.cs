using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Fleet.Edge.Rendering;
using Fleet.Shared.Cluster;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Serialization;

namespace Fleet.Integration.Tests;

/// <summary>Render delegation on a real cluster: a device's 1080p render made by a cloud worker, budgets, job tokens, and faults.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RenderDelegationTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(120);

    private static object JobBody(string headline, string? deviceId = null) => new
    {
        device_id = deviceId,
        campaign_id = "summer-sale",
        resolution = "1080p",
        fields = new Dictionary<string, string> { ["headline"] = headline, ["cta"] = "Shop now", ["price"] = "$9.99" },
        voice_line = $"{headline}. Shop now",
    };

    private static async Task<RenderJobView> JobAsync(CloudUnderTest cloud, string id) => (await cloud.GetAsync($"/api/v1/renders/jobs/{id}")).As<RenderJobView>();

    private static Task<RenderJobView> WaitJobAsync(CloudUnderTest cloud, string id, Func<RenderJobView, bool> until, string what) =>
        Eventually.Until(() => JobAsync(cloud, id), until, Within, what);

    internal static async Task<string> PublishAndAssignAsync(CloudUnderTest cloud, string dir)
    {
        var campaign = SampleCampaign.CopyTo(dir);
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(campaign)).Status);
        await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { } });
        return campaign;
    }

    /// <summary>A device agent in this process and a client for its local API; disposing stops both.</summary>
    private sealed record LocalDevice(EdgeUnderTest Edge, HttpClient Local) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Local.Dispose();
            await Edge.DisposeAsync();
        }
    }

    /// <summary>Starts a device with its local API on a free port and waits until it runs summer-sale v1.</summary>
    private static async Task<LocalDevice> DeviceAsync(CloudUnderTest cloud, string deviceId, Func<int, EdgeUnderTest> start)
    {
        var http = Ports.Free();
        var edge = start(http);
        await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 1, deviceId);
        return new LocalDevice(edge, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromMinutes(3) });
    }

    /// <summary>The sample campaign published and assigned, and one 720p device (kiosk-1) running it.</summary>
    private static async Task<LocalDevice> OneDeviceAsync(CloudUnderTest cloud, TempDir tmp)
    {
        await PublishAndAssignAsync(cloud, tmp.Sub("summer"));
        return await DeviceAsync(cloud, "kiosk-1", http => DistributionTests.Start(cloud, tmp.Sub("kiosk"), "kiosk-1", "", http));
    }

    [Fact]
    public async Task A_device_gets_its_1080p_render_from_the_cloud_worker_and_over_budget_it_renders_its_own_720p_ad()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        await using var device = await OneDeviceAsync(cloud, tmp);
        var local = device.Local;

        // Delegated: the device has no 1080p capability (720p max), so a cloud worker renders it.
        var reply = await RenderAsync(local, new { resolution = "1080p", headline = "Sunglasses from {{price}}", cta = "Shop now" });
        Assert.Equal("cloud", reply.Outcome.Path);
        Assert.StartsWith("cloud:", reply.Outcome.Encoder);
        Assert.Empty(reply.Outcome.Fallbacks); // the ad asked for, made elsewhere: not a fallback (rollout gates count those)
        Assert.True(reply.Outcome.Success);
        var file = await local.GetByteArrayAsync(reply.Url.TrimStart('/'));
        Assert.Equal((1920, 1080), await SizeOfAsync(file, tmp.Sub("probe")));
        var list = (await cloud.GetAsync("/api/v1/renders?campaign=summer-sale")).As<Fleet.Shared.RenderJobs.RenderSchedulerReplies.JobList>();
        var job = Assert.Single(list.Jobs);
        Assert.Equal(RenderJobStatus.Done, job.Status);
        Assert.Equal("kiosk-1", job.DeviceId);
        Assert.Equal(job.Sha256, Convert.ToHexStringLower(SHA256.HashData(file))); // exactly the worker's MP4
        Assert.Equal(Delegation.CloudEncoder(job.Encoder!), reply.Outcome.Encoder);
        Assert.DoesNotContain("context", JsonSerializer.Serialize(job.Spec, FleetJson.Options));

        // Budget exhausted: refused at once with reason budget, and the device still plays its own (720p) ad.
        var budget = await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/budget", new { renders_per_day = 1 });
        Assert.Equal(HttpStatusCode.OK, budget.Status);
        var refused = await cloud.PostJsonAsync("/api/v1/renders/jobs", JobBody("Another headline", "kiosk-1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("budget", refused.Json.GetProperty("reason").GetString());
        var fallback = await RenderAsync(local, new { resolution = "1080p", headline = "Get beach ready with SunCo", cta = "Shop now" });
        Assert.True(fallback.Outcome.Success);
        Assert.NotEqual("cloud", fallback.Outcome.Path);
        Assert.Contains("delegate:local-720p:budget", fallback.Outcome.Fallbacks);
        Assert.Equal((1280, 720), await SizeOfAsync(await local.GetByteArrayAsync(fallback.Url.TrimStart('/')), tmp.Sub("probe")));
        list = (await cloud.GetAsync("/api/v1/renders?campaign=summer-sale")).As<Fleet.Shared.RenderJobs.RenderSchedulerReplies.JobList>();
        Assert.Single(list.Jobs);
        Assert.Equal(1, Assert.Single(list.Usage).Renders);

        // The per-device quota is part of the budget: through the API and the CLI, and nonsense is refused.
        var noJobs = await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/budget", new { renders_per_day = 1, device_jobs = 0 });
        Assert.Equal((HttpStatusCode.BadRequest, true), (noJobs.Status, noJobs.Error!.Contains("at least 1")));
        using var cli = FleetProcess.Cloud("campaign", "budget", "summer-sale", "--renders-per-day", "1", "--device-jobs", "3",
            "--api", cloud.Options.HttpUrl, "--token", CloudUnderTest.AdminTokenValue);
        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(cli.Lines, l => l.Contains("summer-sale:") && l.Contains("1/1 renders") && l.Contains("3 per device at a time"));
        Assert.Equal(3, Assert.Single((await cloud.GetAsync("/api/v1/renders?campaign=summer-sale")).As<Fleet.Shared.RenderJobs.RenderSchedulerReplies.JobList>().Usage).DeviceJobs);
    }

    [Fact]
    public async Task In_hybrid_mode_the_cloud_makes_the_base_once_and_the_device_renders_its_ads_on_it()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        await using var device = await OneDeviceAsync(cloud, tmp);
        var local = device.Local;

        var first = await RenderAsync(local, new { mode = "hybrid", resolution = "1080p", headline = "Sunglasses from {{price}}", cta = "Shop now" });
        Assert.True(first.Outcome.Success, string.Join(", ", first.Outcome.Fallbacks));
        Assert.Empty(first.Outcome.Fallbacks);
        Assert.Equal("fast", first.Outcome.Path); // drawn on this device, on the cloud's base
        Assert.Contains("base", first.Outcome.StageMs.Keys);
        Assert.Equal((1920, 1080), await SizeOfAsync(await local.GetByteArrayAsync(first.Url.TrimStart('/')), tmp.Sub("probe")));
        var job = Assert.Single((await cloud.GetAsync("/api/v1/renders?campaign=summer-sale")).As<Fleet.Shared.RenderJobs.RenderSchedulerReplies.JobList>().Jobs);
        Assert.True(job.Spec.Base);
        Assert.Empty(job.Spec.Fields); // no copy travels for a base
        var notInBundle = await cloud.GetAsync($"/api/v1/renders/jobs/{job.JobId}/files/{new string('e', 64)}");
        Assert.Equal(HttpStatusCode.NotFound, notInBundle.Status);

        // Other copy on the same base: rendered here, no new cloud job.
        var second = await RenderAsync(local, new { mode = "hybrid", resolution = "1080p", headline = "Get beach ready with SunCo", cta = "Shop now" });
        Assert.True(second.Outcome.Success);
        Assert.Equal((1920, 1080), await SizeOfAsync(await local.GetByteArrayAsync(second.Url.TrimStart('/')), tmp.Sub("probe")));
        Assert.Single((await cloud.GetAsync("/api/v1/renders?campaign=summer-sale")).As<Fleet.Shared.RenderJobs.RenderSchedulerReplies.JobList>().Jobs);
        Assert.True(Directory.EnumerateFiles(Path.Combine(tmp.Sub("kiosk"), "renders", "bases", "summer-sale-v1-1080p"), "prepared.json").Any());

        // Another device fetches the same base job (made once, charged once) with a token of its own.
        await using var kiosk2 = await DeviceAsync(cloud, "kiosk-2", http => DistributionTests.Start(cloud, tmp.Sub("kiosk2"), "kiosk-2", "", http));
        var third = await RenderAsync(kiosk2.Local, new { mode = "hybrid", resolution = "1080p", headline = "Sunglasses from {{price}}", cta = "Shop now" });
        Assert.True(third.Outcome.Success, string.Join(", ", third.Outcome.Fallbacks));
        Assert.Contains("base", third.Outcome.StageMs.Keys);
        Assert.Equal(job.JobId, Assert.Single((await cloud.GetAsync("/api/v1/renders?campaign=summer-sale")).As<Fleet.Shared.RenderJobs.RenderSchedulerReplies.JobList>().Jobs).JobId);
        Assert.True(File.Exists(Path.Combine(tmp.Sub("kiosk2"), "renders", "bases", "summer-sale-v1-1080p", "prepared.json")));
    }

    [Fact]
    public async Task A_device_under_resource_pressure_sends_even_the_renders_it_could_make_to_the_cloud()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        await PublishAndAssignAsync(cloud, tmp.Sub("summer"));
        Fleet.Edge.Hosting.AgentLog.Enabled = false;
        // Any CPU reading counts as pressure here, and the device samples every second, so pressure is certain.
        await using var device = await DeviceAsync(cloud, "kiosk-hot", http => EdgeUnderTest.Start(new Fleet.Edge.Hosting.EdgeOptions
        {
            Seeds = [SeedAddress.Parse(cloud.Seed)], DeviceId = "kiosk-hot", DataDir = tmp.Sub("kiosk"), InsecureDev = true, HttpPort = http,
            Pressure = new ResourcePressure(CpuPercent: 0),
            Telemetry = new Fleet.Edge.Telemetry.TelemetrySettings { SampleInterval = TimeSpan.FromSeconds(1) },
        }));
        var local = device.Local;
        // Two samples: the first CPU reading needs a second one to compare with. On a machine busy with other tests the
        // agent's first sample can come seconds after its start, so this waits for several sample intervals.
        await Task.Delay(TimeSpan.FromSeconds(8));

        var reply = await RenderAsync(local, new { headline = "Sunglasses from {{price}}", cta = "Shop now" });
        Assert.True(reply.Outcome.Success);
        Assert.Equal("cloud", reply.Outcome.Path);
        Assert.Contains("delegate", reply.Outcome.StageMs.Keys);
        var job = Assert.Single((await cloud.GetAsync("/api/v1/renders?campaign=summer-sale")).As<Fleet.Shared.RenderJobs.RenderSchedulerReplies.JobList>().Jobs);
        Assert.Equal(720, job.Spec.Height);
    }

    [Fact]
    public async Task Job_tokens_that_are_forged_or_for_another_device_or_job_are_refused()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        await PublishAndAssignAsync(cloud, tmp.Sub("summer"));
        await using var a = DistributionTests.Start(cloud, tmp.Sub("a"), "kiosk-a", "", 0);
        await using var b = DistributionTests.Start(cloud, tmp.Sub("b"), "kiosk-b", "", 0);
        await cloud.WaitForDevicesUpAsync(2);
        var tokenA = await cloud.TokenAsync("device", "kiosk-a");
        var tokenB = await cloud.TokenAsync("device", "kiosk-b");

        var ticket = await cloud.PostJsonAsync("/api/v1/renders/jobs", JobBody("Summer Sale: everything half price"), tokenA);
        Assert.Equal(HttpStatusCode.Accepted, ticket.Status);
        var jobId = ticket.Json.GetProperty("job_id").GetString()!;
        var jobToken = ticket.Json.GetProperty("token").GetString()!;
        // The same job key again: the same job, not charged twice.
        var again = await cloud.PostJsonAsync("/api/v1/renders/jobs", JobBody("Summer Sale: everything half price"), tokenA);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(jobId, again.Json.GetProperty("job_id").GetString());

        Assert.Equal(HttpStatusCode.OK, (await GetWithJobToken(cloud, $"/api/v1/renders/jobs/{jobId}", tokenA, jobToken)).Status);
        var noToken = await GetWithJobToken(cloud, $"/api/v1/renders/jobs/{jobId}", tokenA, null);
        Assert.Equal(HttpStatusCode.Forbidden, noToken.Status);
        var otherDevice = await GetWithJobToken(cloud, $"/api/v1/renders/jobs/{jobId}/output", tokenB, jobToken);
        Assert.Equal(HttpStatusCode.Forbidden, otherDevice.Status);
        Assert.Contains("another device", otherDevice.Error);
        var parts = jobToken.Split('.');
        var forgedPayload = parts[1][..^2] + (parts[1][^2] == 'A' ? "B" : "A") + parts[1][^1];
        var forged = await GetWithJobToken(cloud, $"/api/v1/renders/jobs/{jobId}/output", tokenA, $"{parts[0]}.{forgedPayload}.{parts[2]}");
        Assert.Equal(HttpStatusCode.Forbidden, forged.Status);
        var ticketB = await cloud.PostJsonAsync("/api/v1/renders/jobs", JobBody("Warm evenings, cool deals"), tokenB);
        var otherJob = await GetWithJobToken(cloud, $"/api/v1/renders/jobs/{ticketB.Json.GetProperty("job_id").GetString()}", tokenA, jobToken);
        Assert.Equal(HttpStatusCode.Forbidden, otherJob.Status);
        // A device cannot ask in another device's name.
        Assert.Equal(HttpStatusCode.Forbidden, (await cloud.PostJsonAsync("/api/v1/renders/jobs", JobBody("x", "kiosk-b"), tokenA)).Status);

        await WaitJobAsync(cloud, jobId, j => j.Status == RenderJobStatus.Done, "job done");
        var mp4 = await GetWithJobToken(cloud, $"/api/v1/renders/jobs/{jobId}/output", tokenA, jobToken);
        Assert.Equal(HttpStatusCode.OK, mp4.Status);
        Assert.Equal("video/mp4", mp4.ContentType);
    }

    [Fact]
    public async Task A_job_whose_worker_process_is_killed_mid_render_completes_on_another_worker_once()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        var store = tmp.Sub("store");
        await using var control = await CloudUnderTest.StartAsync(db, tmp.Sub("control"),
            configure: o => o with { Roles = new[] { FleetCluster.ControlRole }, StoreDir = store });
        await PublishAndAssignAsync(control, tmp.Sub("summer"));
        await using var edge = DistributionTests.Start(control, tmp.Sub("kiosk"), "kiosk-1", "", 0);
        await control.WaitForDevicesUpAsync(1);
        // A real render-worker process; its first 1080p job prepares the 1080p template first, so it runs for seconds.
        using var doomed = FleetProcess.Cloud("agent", "--insecure-dev", "--roles", "render", "--render-slots", "1", "--store", store,
            "--port", $"{Ports.Free()}", "--http", $"{Ports.Free()}", "--data", tmp.Sub("worker-1"), "--seed", $"127.0.0.1:{control.Options.Port}");

        var ticket = await control.PostJsonAsync("/api/v1/renders/jobs", JobBody("Summer Sale: everything half price", "kiosk-1"));
        Assert.Equal(HttpStatusCode.Accepted, ticket.Status);
        var jobId = ticket.Json.GetProperty("job_id").GetString()!;
        var running = await WaitJobAsync(control, jobId, j => j.Status is RenderJobStatus.Running or RenderJobStatus.Done, "running on the doomed worker");
        Assert.Equal((RenderJobStatus.Running, 1), (running.Status, running.Attempts));

        doomed.Crash(); // SIGKILL mid-job: no goodbye, the cluster has to notice
        await WaitJobAsync(control, jobId, j => j.Status == RenderJobStatus.Queued && j.AttemptErrors.Count == 1, "re-queued once the dead node is removed");
        await using var rescuer = await CloudUnderTest.StartAsync(db, tmp.Sub("worker-2"), seeds: new[] { control.Seed },
            configure: o => o with { Roles = new[] { FleetCluster.RenderRole }, StoreDir = store });
        var done = await WaitJobAsync(control, jobId, j => j.Status is RenderJobStatus.Done or RenderJobStatus.Failed, "done on the second worker");

        Assert.Equal(RenderJobStatus.Done, done.Status);
        Assert.Equal(2, done.Attempts);
        Assert.NotEqual(running.Worker, done.Worker);
        var list = (await control.GetAsync("/api/v1/renders")).As<Fleet.Shared.RenderJobs.RenderSchedulerReplies.JobList>();
        Assert.Single(list.Jobs);
        Assert.Equal(1, Assert.Single(list.Usage).Renders);
        // The device sees one finished job and one MP4, whatever happened on the way.
        var token = await control.TokenAsync("device", "kiosk-1");
        var again = await control.PostJsonAsync("/api/v1/renders/jobs", JobBody("Summer Sale: everything half price"), token);
        Assert.Equal(jobId, again.Json.GetProperty("job_id").GetString());
        var mp4 = await GetWithJobToken(control, $"/api/v1/renders/jobs/{jobId}/output", token, ticket.Json.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, mp4.Status);
    }

    [Fact]
    public async Task A_new_scheduler_recovers_the_ledger_and_loses_or_double_charges_no_accepted_job()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        var store = tmp.Sub("store");
        var first = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), configure: o => o with { Roles = new[] { FleetCluster.ControlRole }, StoreDir = store });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var second = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), seeds: new[] { first.Seed },
            configure: o => o with { StoreDir = store, RenderSlots = 1, RenderFault = (_, ct) => gate.Task.WaitAsync(ct) });
        await PublishAndAssignAsync(first, tmp.Sub("summer"));
        await using var edge = DistributionTests.Start(first, tmp.Sub("kiosk"), "kiosk-1", "", 0, seeds: new[] { second.Seed });
        await first.WaitForDevicesUpAsync(1);

        var one = (await first.PostJsonAsync("/api/v1/renders/jobs", JobBody("Summer Sale: everything half price", "kiosk-1"))).Json.GetProperty("job_id").GetString()!;
        var two = (await first.PostJsonAsync("/api/v1/renders/jobs", JobBody("Warm evenings, cool deals", "kiosk-1"))).Json.GetProperty("job_id").GetString()!;
        await WaitJobAsync(first, one, j => j.Status == RenderJobStatus.Running, "first job running");
        Assert.Equal(RenderJobStatus.Queued, (await JobAsync(first, two)).Status); // one slot: the second waits

        await first.DisposeAsync(); // the node with the scheduler singleton goes away
        var again = await Eventually.Until(() => second.PostJsonAsync("/api/v1/renders/jobs", JobBody("Summer Sale: everything half price", "kiosk-1")),
            a => a.Status == HttpStatusCode.OK, Within, "the new scheduler answers");
        Assert.Equal(one, again.Json.GetProperty("job_id").GetString());
        gate.SetResult();

        var doneOne = await WaitJobAsync(second, one, j => j.Status == RenderJobStatus.Done, "first job done");
        var doneTwo = await WaitJobAsync(second, two, j => j.Status == RenderJobStatus.Done, "second job done");
        Assert.Equal(1, doneOne.Attempts); // the running job was kept, not rendered again
        Assert.Equal(1, doneTwo.Attempts);
        var list = (await second.GetAsync("/api/v1/renders")).As<Fleet.Shared.RenderJobs.RenderSchedulerReplies.JobList>();
        Assert.Equal(2, list.Jobs.Count);
        Assert.Equal(2, Assert.Single(list.Usage).Renders);
    }

    internal static async Task<RenderEndpoints.RenderReply> RenderAsync(HttpClient local, object body)
    {
        using var answer = await local.PostAsJsonAsync("v1/render", body, FleetJson.Options);
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, text);
        return JsonSerializer.Deserialize<RenderEndpoints.RenderReply>(text, FleetJson.Options)!;
    }

    private static Task<ApiCalls.Answer> GetWithJobToken(CloudUnderTest cloud, string path, string deviceToken, string? jobToken)
    {
        var url = jobToken is null ? path : $"{path}?token={Uri.EscapeDataString(jobToken)}";
        return ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Get, url, deviceToken);
    }

    private static async Task<(int, int)> SizeOfAsync(byte[] mp4, string dir)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, Guid.NewGuid().ToString("N") + ".mp4");
        await File.WriteAllBytesAsync(path, mp4);
        var psi = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path }) psi.ArgumentList.Add(arg);
        using var p = Process.Start(psi)!;
        var output = (await p.StandardOutput.ReadToEndAsync()).Trim().Split(',');
        await p.WaitForExitAsync();
        return (int.Parse(output[0]), int.Parse(output[1]));
    }
}
