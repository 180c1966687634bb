using System.Net;
using System.Net.Http.Json;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Rollouts;

namespace Fleet.Integration.Tests;

/// <summary>Canary rollouts across a real cluster: gates from real telemetry, automatic rollback of a corrupt model, hand-over, bad input.</summary>
[Collection(MetricsValuesCollection.Name)]
public sealed class RolloutTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);
    private static readonly TelemetrySettings FastTelemetry = new() { SealPartialMinutes = true, SealInterval = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task A_staged_campaign_version_canaries_passes_its_gates_on_real_renders_and_completes()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var ports = new[] { Ports.Free(), Ports.Free(), Ports.Free() };
        var devices = await FleetWithV1Async(cloud, tmp, ports);
        await using var _ = new DisposableList(devices);

        var dir = SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "Last summer days");
        var publishing = DateTimeOffset.UtcNow;
        var published = await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, "/api/v1/campaigns?staged=true", CloudUnderTest.AdminTokenValue, Fleet.Cloud.Cli.CampaignFolder.Multipart(dir));
        Assert.Equal(HttpStatusCode.Created, published.Status);
        // The publish sends every device the new assignment table; a device reports once it has found nothing to fetch
        // in it (a device that wrongly fetched v2 reports only after running it), so a report newer than the publish
        // proves the staged version was seen and left alone.
        var reports = await Eventually.Until(async () => (await cloud.GetAsync("/api/v1/campaigns/summer-sale/status")).As<List<DeviceSyncReport>>(),
            rs => rs.Count == devices.Count && rs.All(r => r.At > publishing), TimeSpan.FromSeconds(30), "every device reporting after the staged publish");
        Assert.All(reports, r => Assert.Equal(1, r.Running.Single().Version));

        var started = await cloud.PostJsonAsync("/api/v1/rollouts", new
        {
            artifact = "campaign:summer-sale@2", stages = new[] { 34.0, 100.0 }, bake = "2s", min_samples = 2, gates = new[] { "success>=0.9", "fallback<=0.5" }, reason = "new copy",
        });
        Assert.Equal(HttpStatusCode.Created, started.Status);
        var id = started.As<RolloutView>().Id;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var done = await Eventually.Until(async () =>
            {
                foreach (var port in ports) await http.PostAsJsonAsync($"http://127.0.0.1:{port}/v1/render", new { campaign_id = "summer-sale" });
                return (await cloud.GetAsync($"/api/v1/rollouts/{id}")).As<RolloutView>();
            }, v => v.Status is RolloutStatus.Completed or RolloutStatus.RolledBack or RolloutStatus.Paused, Within, "rollout finished");

        Assert.Equal(RolloutStatus.Completed, done.Status);
        Assert.Contains(done.History, h => h.What.StartsWith("stage 2/2", StringComparison.Ordinal) && h.By == "gates");
        Assert.True(done.Canary!.Renders >= 2, $"canary renders {done.Canary.Renders}");
        // The curves behind the console's gate charts: one point per tick where a cohort's window changed, in time order.
        Assert.NotNull(done.Samples);
        Assert.True(done.Samples!.Count >= 2, $"{done.Samples.Count} gate sample(s)");
        Assert.Equal(done.Samples.OrderBy(p => p.At).Select(p => p.At), done.Samples.Select(p => p.At));
        Assert.True(done.Samples.Zip(done.Samples.Skip(1)).All(p => p.Item1.Canary != p.Item2.Canary || p.Item1.Baseline != p.Item2.Baseline));
        Assert.Contains(done.Samples, p => p.Canary.Renders > 0);
        // Telemetry that arrived while a device was in the cohort is labelled canary.
        var canaryTelemetry = (await cloud.GetAsync("/api/v1/telemetry?cohort=canary&campaign=summer-sale")).Json.GetProperty("campaigns");
        Assert.Contains(canaryTelemetry.EnumerateArray(), c => c.GetProperty("campaign_version").GetString() == "2" && c.GetProperty("renders").GetInt64() > 0);
        await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 2, "kiosk-1", "kiosk-2", "kiosk-3");

        // The same running fleet answers for the metrics an operator scrapes: both expositions pass promtool.
        var cloudMetrics = await MetricsScrape.CheckedAsync(cloud.Options.HttpUrl, "target_info", "fleet_devices", "fleet_device_registrations_total",
            "fleet_kill_epoch", "fleet_kill_active", "fleet_kill_pending_devices", "fleet_rollout_transitions_total", "fleet_render_jobs",
            "fleet_render_queue_depth", "fleet_telemetry_batches_total", "fleet_telemetry_ingest_lag_seconds_bucket",
            "fleet_cluster_control_nodes", "http_server_request_duration_seconds_bucket", "dotnet_gc_collections_total", "process_cpu_time_seconds_total");
        Assert.Contains("service_name=\"fleet-cloud\"", cloudMetrics);
        Assert.Equal(3, MetricsScrape.Value(cloudMetrics, "fleet_devices", "state=\"connected\""));
        Assert.Equal(1, MetricsScrape.Value(cloudMetrics, "fleet_rollout_transitions_total", "to=\"completed\""));
        var deviceMetrics = await MetricsScrape.CheckedAsync($"http://127.0.0.1:{ports[0]}", "target_info", "fleet_edge_render_seconds_bucket",
            "fleet_edge_render_stage_seconds_bucket", "fleet_edge_renders_total", "fleet_edge_outbox_entries", "fleet_edge_connected",
            "fleet_edge_model_provider", "http_server_request_duration_seconds_bucket", "process_cpu_time_seconds_total");
        Assert.Contains("service_name=\"fleet-edge\"", deviceMetrics);
        Assert.Equal(1, MetricsScrape.Value(deviceMetrics, "fleet_edge_connected"));
        Assert.True(MetricsScrape.Value(deviceMetrics, "fleet_edge_render_seconds_count", "path=\"") > 0, "no render in the render histogram");
    }

    [Fact]
    public async Task A_rollout_promoted_to_completion_before_its_last_stage_grew_lists_every_device_running_it_across_a_restart()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        var cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        var devices = await FleetWithV1Async(cloud, tmp, [Ports.Free(), Ports.Free(), Ports.Free()]);
        await using var _ = new DisposableList(devices);
        var dir = SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "Last summer days");
        Assert.Equal(HttpStatusCode.Created, (await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, "/api/v1/campaigns?staged=true",
            CloudUnderTest.AdminTokenValue, Fleet.Cloud.Cli.CampaignFolder.Multipart(dir))).Status);
        var started = await cloud.PostJsonAsync("/api/v1/rollouts", new { artifact = "campaign:summer-sale@2", stages = new[] { 30.0, 100.0 }, bake = "1h", reason = "new copy" });
        Assert.Equal(HttpStatusCode.Created, started.Status);
        var id = started.As<RolloutView>().Id;
        await Eventually.Until(async () => (await cloud.GetAsync($"/api/v1/rollouts/{id}")).As<RolloutView>(), v => v.Devices.Count == 1, Within, "a 1-device canary");

        // Straight to the end, before the coordinator grows the cohort to the last stage: every device gets v2 all the same.
        Assert.Equal(HttpStatusCode.OK, (await cloud.PostJsonAsync($"/api/v1/rollouts/{id}/promote", new { reason = "go" })).Status);
        var promoted = await cloud.PostJsonAsync($"/api/v1/rollouts/{id}/promote", new { reason = "go" });
        Assert.Equal(RolloutStatus.Completed, promoted.As<RolloutView>().Status);
        var all = new[] { "kiosk-1", "kiosk-2", "kiosk-3" };
        bool EveryDeviceRunning(RolloutView v) => all.All(d => v.Devices.Any(row => row.DeviceId == d && row.State == DeviceRolloutState.Running));
        await Eventually.Until(async () => (await cloud.GetAsync($"/api/v1/rollouts/{id}")).As<RolloutView>(), EveryDeviceRunning, Within, "every device listed running v2");

        // A coordinator started again has only the journal: the ended rollout still accounts for every device.
        var (port, http) = (cloud.Options.Port, new Uri(cloud.Options.HttpUrl).Port);
        await cloud.DisposeAsync();
        await using var restarted = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), port, http);
        // (Its rows were settled in the journal, or, if the restart came first, it observes the fleet again until they are.)
        await Eventually.Until(() => restarted.GetAsync($"/api/v1/rollouts/{id}"), a => a.Status == HttpStatusCode.OK && EveryDeviceRunning(a.As<RolloutView>()),
            Within, "every device listed running v2 after the restart");
    }

    [Fact]
    public async Task A_corrupt_model_rolled_out_to_a_cohort_is_caught_by_the_gates_and_rolled_back_while_ads_keep_rendering()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var ports = new[] { Ports.Free(), Ports.Free() };
        var devices = await FleetWithV1Async(cloud, tmp, ports);
        await using var _ = new DisposableList(devices);

        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        var model = await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, $"/api/v1/models?name={DefaultModel.Ref.Name}&version=1.1.0",
            CloudUnderTest.AdminTokenValue, new ByteArrayContent(garbage));
        Assert.Equal(HttpStatusCode.Created, model.Status);
        var started = await cloud.PostJsonAsync("/api/v1/rollouts", new { artifact = $"model:{DefaultModel.Ref.Name}@1.1.0", stages = new[] { 50.0, 100.0 }, bake = "1m", reason = "new model" });
        Assert.Equal(HttpStatusCode.Created, started.Status);
        var id = started.As<RolloutView>().Id;

        var done = await Eventually.Until(async () => (await cloud.GetAsync($"/api/v1/rollouts/{id}")).As<RolloutView>(),
            v => v.Status is RolloutStatus.RolledBack or RolloutStatus.Completed, Within, "rollout rolled back");
        Assert.Equal(RolloutStatus.RolledBack, done.Status);
        var breach = done.History.Single(h => h.What == "rolling-back");
        Assert.Equal("gates", breach.By);
        Assert.Contains("load-errors", breach.Why);
        var canary = Assert.Single(done.Devices);
        Assert.Equal(DeviceRolloutState.RolledBack, canary.State);
        var audit = await File.ReadAllTextAsync(Path.Combine(tmp.Sub("cloud"), Fleet.Cloud.Audit.CloudAudit.LogFile));
        Assert.Contains("rollout.rolling-back", audit); // automatic transitions are audited too, as by "gates"

        // The canary never swapped: it kept rendering with the model it had, and says so.
        var port = ports[int.Parse(canary.DeviceId[^1..]) - 1];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var render = await (await http.PostAsJsonAsync($"http://127.0.0.1:{port}/v1/render", new { campaign_id = "summer-sale" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var outcome = render.GetProperty("outcome");
        Assert.True(outcome.GetProperty("success").GetBoolean());
        Assert.Equal(DefaultModel.Ref.Id, outcome.GetProperty("artifacts").GetProperty("model").GetString());
    }

    [Fact]
    public async Task A_good_model_version_is_downloaded_verified_and_swapped_in_without_a_restart()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var ports = new[] { Ports.Free() };
        var devices = await FleetWithV1Async(cloud, tmp, ports);
        await using var _ = new DisposableList(devices);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        async Task<System.Text.Json.JsonElement> RenderAsync() =>
            (await (await http.PostAsJsonAsync($"http://127.0.0.1:{ports[0]}/v1/render", new { campaign_id = "summer-sale", no_cache = true }))
                .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("outcome");
        var first = await RenderAsync();
        Assert.Equal(DefaultModel.Ref.Id, first.GetProperty("artifacts").GetProperty("model").GetString());
        Assert.False((await RenderAsync()).GetProperty("cache_hit").GetBoolean()); // no_cache is honoured
        var malformed = await http.PostAsync($"http://127.0.0.1:{ports[0]}/v1/render", new StringContent("{\"campaign_id\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var bytes = await File.ReadAllBytesAsync(Fleet.Shared.Personalisation.Embedding.MiniLmOptions.Default.ModelPath);
        var published = await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, $"/api/v1/models?name={DefaultModel.Ref.Name}&version=1.0.1",
            CloudUnderTest.AdminTokenValue, new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, published.Status);
        var started = await cloud.PostJsonAsync("/api/v1/rollouts", new { artifact = $"model:{DefaultModel.Ref.Name}@1.0.1", stages = new[] { 100.0 }, bake = "1s", min_samples = 1,
            gates = new[] { "success>=0.99", "load-errors<=0" }, reason = "re-export" }); // one device: no baseline for a p95 ratio
        Assert.Equal(HttpStatusCode.Created, started.Status);

        var running = await Eventually.Until(async () => (await cloud.GetAsync("/api/v1/rollouts/r1")).As<RolloutView>(),
            v => v.Devices.Any(d => d.State == DeviceRolloutState.Running), Within, "device running the new model");
        Assert.Equal($"{DefaultModel.Ref.Name}@1.0.1", running.Devices.Single().Detail);
        var outcome = await RenderAsync();
        Assert.Equal($"{DefaultModel.Ref.Name}@1.0.1", outcome.GetProperty("artifacts").GetProperty("model").GetString());
        Assert.DoesNotContain(outcome.GetProperty("fallbacks").EnumerateArray(), f => f.GetString()!.StartsWith("personalise:default-copy", StringComparison.Ordinal));
        var done = await Eventually.Until(async () => { await RenderAsync(); return (await cloud.GetAsync("/api/v1/rollouts/r1")).As<RolloutView>(); },
            v => v.Status != RolloutStatus.Running, Within, "rollout finished");
        Assert.Equal(RolloutStatus.Completed, done.Status);
        Assert.False(devices[0].Run.IsCompleted, "the device agent kept running through the swap");
    }

    [Fact]
    public async Task Bad_rollout_requests_get_clear_errors_and_change_nothing()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v1")))).Status);
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "New"))).Status);

        async Task Refused(object body, HttpStatusCode status, string text, string? token = CloudUnderTest.AdminTokenValue)
        {
            var a = await cloud.PostJsonAsync("/api/v1/rollouts", body, token);
            Assert.True(a.Status == status, $"{status} expected, got {a.Status}: {a.Body}");
            Assert.Contains(text, a.Error);
        }

        await Refused(new { artifact = "campaign:summer-sale@9" }, HttpStatusCode.NotFound, "has no version 9");
        await Refused(new { artifact = "model:nope@1.0.0" }, HttpStatusCode.NotFound, "not published");
        await Refused(new { artifact = "campaign:summer-sale@2", stages = new[] { 1.0, 5.0, 25.0 } }, HttpStatusCode.BadRequest, "last stage must be 100");
        await Refused(new { artifact = "campaign summer-sale 2" }, HttpStatusCode.BadRequest, "expected campaign:ID@VERSION");
        await Refused(new { artifact = "campaign:summer-sale@2", gates = new[] { "latency<3" } }, HttpStatusCode.BadRequest, "--gate 'latency<3'");
        await Refused(new { artifact = "campaign:summer-sale@2" }, HttpStatusCode.Forbidden, "", await cloud.TokenAsync("viewer"));
        Assert.Empty((await cloud.GetAsync("/api/v1/rollouts")).As<List<RolloutView>>());

        Assert.Equal(HttpStatusCode.Created, (await cloud.PostJsonAsync("/api/v1/rollouts", new { artifact = "campaign:summer-sale@2" })).Status);
        await Refused(new { artifact = "campaign:summer-sale@2" }, HttpStatusCode.Conflict, "r1 (campaign:summer-sale@2) is still running");
        Assert.Single((await cloud.GetAsync("/api/v1/rollouts")).As<List<RolloutView>>());
        var noReason = await cloud.PostJsonAsync("/api/v1/rollouts/r1/pause", new { reason = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await cloud.PostJsonAsync("/api/v1/rollouts/r1/explode", new { reason = "x" })).Status);
    }

    [Fact]
    public async Task Operators_drive_rollouts_with_the_cli_and_mistakes_get_one_line_and_a_non_zero_exit()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v1")))).Status);
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "New"))).Status);
        string[] Api(params string[] args) => [.. args, "--api", cloud.Options.HttpUrl, "--token", CloudUnderTest.AdminTokenValue];

        async Task<(int Code, string Out)> Cli(params string[] args)
        {
            using var p = FleetProcess.Cloud(Api(args));
            var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(60));
            return (code, string.Join('\n', p.Lines));
        }

        var (code, output) = await Cli("rollout", "start", "--artifact", "campaign:summer-sale@2", "--stages", "1,5,25");
        Assert.Equal((2, true), (code, output.Contains("last stage must be 100")));
        (code, output) = await Cli("rollout", "start", "--artifact", "campaign:summer-sale@9");
        Assert.Equal((1, true), (code, output.Contains("has no version 9")));
        Assert.Single(output.Split('\n'));

        (code, output) = await Cli("rollout", "start", "--artifact", "campaign:summer-sale@2", "--stages", "50,100", "--bake", "1h", "--reason", "cli", "--json");
        Assert.Equal(0, code);
        Assert.Equal("r1", System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("id").GetString());
        (code, output) = await Cli("rollout", "pause", "r1");
        Assert.Equal((2, true), (code, output.Contains("--reason")));
        (code, output) = await Cli("rollout", "abort", "r1", "--reason", "wrong copy");
        Assert.Equal((0, true), (code, output.Contains("r1: aborting")));
        (code, output) = await Cli("rollout", "list");
        Assert.Equal((0, true), (code, output.Contains("campaign:summer-sale@2")));
        (code, output) = await Cli("rollout", "status", "r1");
        Assert.Equal(0, code);
        Assert.Contains("wrong copy", output);
        // A script waiting on a rollout learns how it ended: aborted (or rolled back) is not success.
        (code, output) = await Cli("rollout", "status", "r1", "--watch", "--timeout", "50s");
        Assert.Equal((3, true), (code, output.Contains("aborted")));

        // Another rollout, baking for an hour: --watch gives up at --timeout with exit 4 and says where it stands.
        await Cli("rollout", "start", "--artifact", "campaign:summer-sale@2", "--stages", "50,100", "--bake", "1h", "--reason", "second");
        (code, output) = await Cli("rollout", "status", "r2", "--watch", "--timeout", "2s");
        Assert.Equal((4, true), (code, output.Contains("--timeout reached after 2 s: rollout r2 is still")));
        // The kill-switch's watch has the same contract; a kill with no devices is acknowledged by all at once.
        (code, output) = await Cli("kill", "engage", "--scope", "campaign:summer-sale", "--reason", "cli");
        Assert.Equal(0, code);
        (code, output) = await Cli("kill", "status", "--watch", "--timeout", "5s");
        Assert.Equal((0, true), (code, output.Contains("campaign:summer-sale")));
        (code, output) = await Cli("kill", "status", "--watch", "--timeout", "soon");
        Assert.Equal((2, true), (code, output.Contains("--timeout 'soon' is not a duration")));

        using var version = FleetProcess.Cloud("--version");
        Assert.Equal(0, await version.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("fleet-cloud 0.1.0", Assert.Single(version.Lines));
    }

    [Fact]
    public async Task A_second_control_node_takes_over_a_rollout_mid_stage_and_continues_from_its_persisted_state()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        var first = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        await using var second = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), seeds: new[] { first.Seed });
        Assert.Equal(HttpStatusCode.Created, (await first.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v1")))).Status);
        await first.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { } });
        await using var edge = EdgeUnderTest.Start(first.Seed, tmp.Sub("e"), "kiosk-1", seeds: new[] { second.Seed });
        await DistributionTests.WaitRunningAsync(first, "summer-sale", 1, "kiosk-1");
        Assert.Equal(HttpStatusCode.Created, (await first.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "New"))).Status);
        var started = await first.PostJsonAsync("/api/v1/rollouts", new { artifact = "campaign:summer-sale@2", stages = new[] { 100.0 }, bake = "1h", reason = "hand-over" });
        Assert.Equal(HttpStatusCode.Created, started.Status);
        var before = await Eventually.Until(async () => (await first.GetAsync("/api/v1/rollouts/r1")).As<RolloutView>(),
            v => v.Devices.Any(d => d.State == DeviceRolloutState.Running), Within, "canary running v2");

        await first.DisposeAsync(); // the oldest node, which hosts the coordinator, leaves mid-stage

        var after = await Eventually.Until(async () => await second.GetAsync("/api/v1/rollouts/r1"), a => a.Status == HttpStatusCode.OK, Within, "coordinator back");
        var view = after.As<RolloutView>();
        Assert.Equal((RolloutStatus.Running, before.Stage, before.StageStartedAt), (view.Status, view.Stage, view.StageStartedAt));
        var promoted = await Eventually.Until(() => second.PostJsonAsync("/api/v1/rollouts/r1/promote", new { reason = "canary fine" }),
            a => a.Status == HttpStatusCode.OK, Within, "promote on the new coordinator");
        Assert.Equal(RolloutStatus.Completed, promoted.As<RolloutView>().Status);
        await DistributionTests.WaitRunningAsync(second, "summer-sale", 2, "kiosk-1");
    }

    [Fact]
    public async Task A_cloud_killed_with_sigkill_mid_stage_resumes_the_rollout_from_the_journal_on_restart()
    {
        using var tmp = new TempDir();
        using var cloud = await CloudProcess.StartAsync(tmp.Sub("cloud"));
        Fleet.Edge.Hosting.AgentLog.Enabled = false;
        await using var edge = EdgeUnderTest.Start(cloud.Seed, tmp.Sub("e1"), "kiosk-1");
        var before = await CanaryRunningV2Async(cloud, tmp, "crash test");

        await cloud.CrashAndRestartAsync();

        var after = await Eventually.Until(() => cloud.GetAsync("/api/v1/rollouts/r1"), a => a.Status == HttpStatusCode.OK, Within, "coordinator recovered");
        var view = after.As<RolloutView>();
        Assert.Equal((RolloutStatus.Running, before.StageStartedAt), (view.Status, view.StageStartedAt));
        Assert.Equal(before.History, view.History);
        var aborted = await cloud.PostJsonAsync("/api/v1/rollouts/r1/abort", new { reason = "after the crash" });
        Assert.Equal(HttpStatusCode.OK, aborted.Status);
        var done = await Eventually.Until(async () => (await cloud.GetAsync("/api/v1/rollouts/r1")).As<RolloutView>(), v => v.Status == RolloutStatus.Aborted, Within, "abort confirmed by the device");
        Assert.Equal(DeviceRolloutState.RolledBack, Assert.Single(done.Devices).State);
        await Eventually.Until(() => cloud.GetAsync("/api/v1/campaigns/summer-sale/status"), a => a.Body.Contains("\"version\":1"), Within, "kiosk-1 back on v1");
        // The aborted version is out of the fleet: the store neither signs nor serves it again.
        Assert.Equal(HttpStatusCode.Gone, (await cloud.GetAsync("/api/v1/campaigns/summer-sale/versions/2/manifest")).Status);
    }

    [Fact]
    public async Task The_control_node_hosting_the_coordinator_and_the_authority_killed_mid_stage_and_mid_broadcast_another_takes_over()
    {
        using var tmp = new TempDir();
        var db = "postgres:" + (await Databases.FreshAsync(Databases.Postgres, tmp.Path)).ConnectionString;
        using var oldest = await CloudProcess.StartAsync(tmp.Sub("cloud"), db, secure: true);
        using var second = await CloudProcess.StartAsync(tmp.Sub("cloud"), db, secure: true, oldest.Seed);
        using var third = await CloudProcess.StartAsync(tmp.Sub("cloud"), db, secure: true, oldest.Seed);
        // An enrolled device on the oldest node's gateway first: the crash below takes its stream, its singletons and its API.
        var edgeHttp = Ports.Free();
        using var edge = FleetProcess.Edge("agent", "--data", await oldest.EnrolAsync("kiosk-1", tmp.Sub("e1")),
            "--gateway", oldest.Gateway!, "--gateway", second.Gateway!, "--gateway", third.Gateway!,
            "--http", $"{edgeHttp}", "--telemetry-seal", "1", "--upload-bps", "400", "--upload-burst", "400");
        await FleetProcess.WithLogsOnFailureAsync(async () =>
        {
            var before = await CanaryRunningV2Async(oldest, tmp, "failover test");
            // Renders whose telemetry is still on its way (a slow link) when the device's gateway dies.
            var performed = await TelemetryClient.PostRendersAsync(edgeHttp, 12);
            var engaged = await oldest.PostJsonAsync("/api/v1/kill", new { scope = "template:end-card@1.0.0", reason = "bad end card" });
            Assert.Equal(HttpStatusCode.Created, engaged.Status);
            var killId = engaged.Json.GetProperty("directive").GetProperty("id").GetString();

            await oldest.CrashAsync(); // right after the engage: the broadcast may not have reached the device yet

            var after = await Eventually.Until(() => second.GetAsync("/api/v1/rollouts/r1"), a => a.Status == HttpStatusCode.OK, Within, "coordinator on another node");
            var view = after.As<RolloutView>();
            Assert.Equal((RolloutStatus.Running, before.Stage, before.StageStartedAt), (view.Status, view.Stage, view.StageStartedAt));
            await Eventually.Until(() => third.GetAsync($"/api/v1/kill/{killId}"), a => a.Status == HttpStatusCode.OK && a.Json.GetProperty("acknowledged").GetInt32() == 1 && a.Json.GetProperty("pending").GetInt32() == 0,
                Within, "the kill engaged before the crash acknowledged by the device");
            var promoted = await Eventually.Until(() => third.PostJsonAsync("/api/v1/rollouts/r1/promote", new { reason = "canary fine" }),
                a => a.Status == HttpStatusCode.OK, Within, "promote on the new coordinator");
            Assert.Equal(RolloutStatus.Completed, promoted.As<RolloutView>().Status);
            await Eventually.Until(() => second.GetAsync("/api/v1/campaigns/summer-sale/status"), a => a.Body.Contains("\"version\":2"), Within, "kiosk-1 on v2");
            // Content published after the crash still reaches the device: its API credentials followed the control plane.
            Assert.Equal(HttpStatusCode.Created, (await second.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v3"), s => s["default_copy"]!["headline"] = "Newer"))).Status);
            await Eventually.Until(() => second.GetAsync("/api/v1/campaigns/summer-sale/status"), a => a.Body.Contains("\"version\":3"), Within, "kiosk-1 on v3, published after the crash");
            // Every render reached the cloud exactly once across the gateway's death and the reconnect.
            performed += await TelemetryClient.PostRendersAsync(edgeHttp, 6, performed);
            using var api = new Fleet.Cloud.Api.ApiClient(second.Url, second.Token);
            await TelemetryClient.ExactlyAsync(api, performed, Within);
        }, ("kiosk-1", edge), ("oldest control node", oldest.Process), ("second", second.Process), ("third", third.Process));
    }

    /// <summary>v1 assigned and running on every device, v2 published staged and rolled out to 100 %: returns the rollout once a device runs v2.</summary>
    private static async Task<RolloutView> CanaryRunningV2Async(CloudProcess cloud, TempDir tmp, string reason)
    {
        await Eventually.Until(() => cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v1"))), a => a.Status == HttpStatusCode.Created, Within, "v1 published");
        await Eventually.Until(() => cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { } }), a => a.Status == HttpStatusCode.OK, Within, "v1 assigned");
        await Eventually.Until(() => cloud.GetAsync("/api/v1/campaigns/summer-sale/status"), a => a.Body.Contains("\"version\":1"), Within, "a device on v1");
        var v2 = await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "New"), staged: true);
        Assert.Equal(HttpStatusCode.Created, v2.Status);
        var started = await cloud.PostJsonAsync("/api/v1/rollouts", new { artifact = "campaign:summer-sale@2", stages = new[] { 100.0 }, bake = "1h", reason });
        Assert.Equal(HttpStatusCode.Created, started.Status);
        return await Eventually.Until(async () => (await cloud.GetAsync("/api/v1/rollouts/r1")).As<RolloutView>(),
            v => v.Devices.Any(d => d.State == DeviceRolloutState.Running), Within, "canary running v2");
    }

    /// <summary>A cloud with the sample campaign v1 assigned to every device, and devices kiosk-1.. running it (local API on the given ports).</summary>
    internal static async Task<List<EdgeUnderTest>> FleetWithV1Async(CloudUnderTest cloud, TempDir tmp, int[] ports)
    {
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v1")))).Status);
        await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { } });
        Fleet.Edge.Hosting.AgentLog.Enabled = false;
        var devices = ports.Select((port, i) => EdgeUnderTest.Start(cloud.Seed, tmp.Sub($"e{i + 1}"), $"kiosk-{i + 1}", http: port, telemetry: FastTelemetry)).ToList();
        await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 1, devices.Select(d => d.Options.DeviceId!).ToArray());
        return devices;
    }

    internal sealed class DisposableList(List<EdgeUnderTest> items) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var e in items) await e.DisposeAsync();
        }
    }
}
