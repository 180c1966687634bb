using System.Text.Json;
using Fleet.Edge.Audit;
using Fleet.Shared.Audit;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Bench.Soak;

/// <summary>One invariant's verdict: what was checked, and each breach as one line.</summary>
public sealed record InvariantResult(string Name, string Checked, IReadOnlyList<string> Breaches)
{
    public bool Holds => Breaches.Count == 0;
}

/// <summary>
/// The soak's invariants, checked against what the cloud says once the faults have stopped. Each waits a bounded time
/// for the system to settle (uploads drain, jobs finish), then judges: a breach is a line naming what and who.
/// </summary>
public sealed class Invariants(SoakCluster cluster, IReadOnlyList<SoakDevice> devices, string cloudDll)
{
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(2);
    public const string KillWindowText = "30 s";
    public static readonly TimeSpan KillWindow = TimeSpan.FromSeconds(30);

    /// <summary>Every render a device confirmed is in the cloud's telemetry exactly once (a render whose answer was lost may or may not be).</summary>
    public async Task<InvariantResult> RendersAsync()
    {
        var deadline = DateTime.UtcNow + Settle;
        Dictionary<string, long> cloud;
        while (true)
        {
            cloud = await CloudRendersAsync();
            if (devices.All(d => cloud[d.Id] >= d.Counted) || DateTime.UtcNow > deadline) break;
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        await Task.Delay(TimeSpan.FromSeconds(5)); // no late double count
        cloud = await CloudRendersAsync();
        var breaches = new List<string>();
        foreach (var d in devices)
        {
            var (counted, seen) = (d.Counted, cloud[d.Id]);
            if (seen < counted) breaches.Add($"renders: {d.Id} counted {counted}, the cloud's telemetry has {seen} ({counted - seen} missing)");
            else if (seen > counted + d.Indeterminate)
                breaches.Add($"renders: {d.Id} counted {counted} (+{d.Indeterminate} unanswered), the cloud's telemetry has {seen} ({seen - counted - d.Indeterminate} counted twice)");
        }
        return new InvariantResult("every counted render in telemetry exactly once",
            $"{devices.Sum(d => d.Counted)} renders on {devices.Count} devices ({devices.Sum(d => d.Indeterminate)} unanswered)", breaches);
    }

    private async Task<Dictionary<string, long>> CloudRendersAsync()
    {
        var totals = new Dictionary<string, long>();
        foreach (var d in devices)
        {
            using var doc = await cluster.CallAsync("telemetry", n => n.Api.GetJsonAsync($"api/v1/telemetry?device={d.Id}&since=1d"));
            var report = doc.Deserialize<TelemetryReport>(FleetJson.Options)!;
            totals[d.Id] = report.Campaigns.Sum(c => c.Renders);
        }
        return totals;
    }

    /// <summary>
    /// Checked <see cref="KillWindow"/> after the engage: every device that was up all that time has acknowledged the
    /// kill's epoch (or a later one). Run once per kill while the soak goes on.
    /// </summary>
    public async Task<IReadOnlyList<string>> KillAcknowledgedAsync(OperatorScript.EngagedKill kill, DateTimeOffset soakStart)
    {
        var due = kill.At + KillWindow;
        if (due > DateTimeOffset.UtcNow) await Task.Delay(due - DateTimeOffset.UtcNow);
        JsonDocument status;
        try { status = await cluster.CallAsync("kill status", n => n.Api.GetJsonAsync($"api/v1/kill/{kill.Id}")); }
        catch (Shared.Cli.FleetException e) { return [$"kill {kill.Id}: its status could not be read {KillWindowText} after the engage: {e.Message}"]; }
        using var _ = status;
        var acked = status.RootElement.GetProperty("devices").EnumerateArray()
            .ToDictionary(d => d.GetProperty("device_id").GetString()!, d => d.GetProperty("acked_epoch").GetInt64());
        var at = kill.At - soakStart;
        return devices.Where(d => d.WasUpThroughout(kill.At, due) && acked.GetValueOrDefault(d.Id) < kill.Epoch)
            .Select(d => $"kill {kill.Id} ({kill.Scope}, epoch {kill.Epoch}) engaged at {(int)at.TotalMinutes:00}:{at.Seconds:00}: {d.Id} was up the {KillWindowText} after it " +
                         $"and had acknowledged only epoch {acked.GetValueOrDefault(d.Id)}")
            .ToList();
    }

    /// <summary>Every rollout ended (completed, aborted or rolled back) with every device of the cohort in an end state.</summary>
    public async Task<InvariantResult> RolloutsAsync(IReadOnlyList<string> ids)
    {
        var breaches = new List<string>();
        var deadline = DateTime.UtcNow + Settle;
        foreach (var id in ids)
        {
            while (true)
            {
                using var doc = await cluster.CallAsync("rollout", n => n.Api.GetJsonAsync($"api/v1/rollouts/{id}"));
                var view = doc.Deserialize<RolloutView>(FleetJson.Options)!;
                var problems = RolloutProblems(view);
                if (problems.Count == 0) break;
                if (DateTime.UtcNow > deadline) { breaches.AddRange(problems.Select(p => $"rollout {id} ({view.Artifact}): {p}")); break; }
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
        return new InvariantResult("every rollout ended, every cohort device accounted for", $"{ids.Count} rollouts x {devices.Count} devices", breaches);
    }

    private List<string> RolloutProblems(RolloutView view)
    {
        if (view.Status is not (RolloutStatus.Completed or RolloutStatus.Aborted or RolloutStatus.RolledBack))
            return [$"still {view.Status} (stage {view.StagePercent:0} %)"];
        // Completed: every device runs the version (or was written off); ended otherwise: every device is back or written off.
        var ended = view.Status == RolloutStatus.Completed
            ? new[] { DeviceRolloutState.Running, DeviceRolloutState.WrittenOff }
            : new[] { DeviceRolloutState.RolledBack, DeviceRolloutState.WrittenOff, DeviceRolloutState.NotYetNotified };
        // A status with no device rows at all (e.g. a coordinator recovered after a failover, ended before it observed the
        // fleet again) accounts for nobody: one line, not one per device.
        if (view.Devices.Count == 0) return [$"{view.Status}, but its status accounts for no device of its cohort (eligible {view.Eligible}, {devices.Count} devices run the campaign)"];
        var byDevice = view.Devices.ToDictionary(d => d.DeviceId);
        return devices.Select(d => byDevice.TryGetValue(d.Id, out var row)
                ? ended.Contains(row.State) ? null : $"{view.Status}, but {d.Id} is {row.State}{(row.Detail is null ? "" : $" ({row.Detail})")}"
                : $"{view.Status}, but {d.Id} is not in its cohort")
            .OfType<string>().ToList();
    }

    /// <summary>Every render job the cloud accepted finished, once: it is done (not failed, not still queued or running).</summary>
    public async Task<InvariantResult> RenderJobsAsync(IReadOnlyList<string> ids)
    {
        var breaches = new List<string>();
        var deadline = DateTime.UtcNow + Settle;
        foreach (var id in ids)
        {
            while (true)
            {
                using var doc = await cluster.CallAsync("render job", n => n.Api.GetJsonAsync($"api/v1/renders/jobs/{id}"));
                var job = doc.Deserialize<RenderJobView>(FleetJson.Options)!;
                if (job.Status == RenderJobStatus.Done && job.FinishedAt is not null && job.Sha256 is not null) break;
                if (job.Status == RenderJobStatus.Failed) { breaches.Add($"render job {id} for {job.DeviceId} failed after {job.Attempts} attempts: {job.Error}"); break; }
                if (DateTime.UtcNow > deadline) { breaches.Add($"render job {id} for {job.DeviceId} still {job.Status} after {job.Attempts} attempts"); break; }
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
        // Once: the ledger lists each job a single time.
        using (var list = await cluster.CallAsync("render jobs", n => n.Api.GetJsonAsync("api/v1/renders")))
        {
            var listed = list.RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job_id").GetString()!).ToList();
            breaches.AddRange(listed.GroupBy(j => j).Where(g => g.Count() > 1).Select(g => $"render job {g.Key} is in the ledger {g.Count()} times"));
        }
        return new InvariantResult("every accepted render job finished once", $"{ids.Count} jobs", breaches);
    }

    /// <summary>The cloud's audit chain (each data folder, through <c>fleet-cloud audit verify</c>) and every device's verify.</summary>
    public async Task<InvariantResult> AuditChainsAsync()
    {
        var breaches = new List<string>();
        var folders = cluster.DataFolders.ToList();
        foreach (var dir in folders)
        {
            var r = await ChildProcess.RunAsync("dotnet", cloudDll, "audit", "verify", "--data", dir);
            if (r.ExitCode != 0) breaches.Add($"cloud audit chain in {dir}: {(r.Err + r.Out).Trim()}");
        }
        foreach (var d in devices)
        {
            var path = AuditActor.PathIn(d.DataDir);
            if (!File.Exists(path)) { breaches.Add($"device audit chain of {d.Id}: no audit log at {path}"); continue; }
            var v = AuditLog.VerifyFile(path);
            if (!v.IsValid) breaches.Add($"device audit chain of {d.Id}: {v}");
        }
        return new InvariantResult("both audit chains verify (cloud, devices)", $"{folders.Count} cloud log(s), {devices.Count} device logs", breaches);
    }
}
