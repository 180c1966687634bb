using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Shared.Cli;

namespace Fleet.Bench.Soak;

/// <summary>
/// What an operator does while the faults run, on a schedule drawn from the seed: publish a staged campaign version and
/// roll it out (stages 50 %, 100 %, promoted by hand), engage kills and release them, rotate the signing keys and ask
/// for cloud renders. Every call goes to whichever control node answers; what was accepted is kept for the invariants.
/// </summary>
public sealed class OperatorScript(SoakCluster cluster, IReadOnlyList<SoakDevice> devices, string cloudDll, string campaignDir, string root, Random random, SoakLog log)
{
    public const string Campaign = "summer-sale";
    /// <summary>A kill is released only after its acknowledgement was checked (30 s), so the check sees the engage's epoch.</summary>
    private static readonly TimeSpan KillHeld = TimeSpan.FromSeconds(40);

    private static readonly TimeSpan SlowAction = TimeSpan.FromSeconds(15);

    private int _publishes;
    private string? _openRollout;

    public sealed record EngagedKill(string Id, string Scope, long Epoch, DateTimeOffset At);

    public List<EngagedKill> Kills { get; } = new();
    private readonly List<EngagedKill> _active = new();
    public List<string> Rollouts { get; } = new();
    public List<string> RenderJobs { get; } = new();
    public Dictionary<string, int> Counts { get; } = new() { ["publish"] = 0, ["rollout"] = 0, ["promote"] = 0, ["kill"] = 0, ["release"] = 0, ["rotate"] = 0, ["render-job"] = 0, ["failed"] = 0 };

    /// <summary>Called for each kill once it is engaged (the soak checks its acknowledgement 30 s later).</summary>
    public Action<EngagedKill>? OnKill { get; init; }

    /// <summary>v1 published and assigned to every device, as the fleet starts.</summary>
    public async Task SetUpAsync()
    {
        await PublishAsync(staged: false);
        await cluster.CallAsync("assign", n => n.Api.PostJsonAsync($"api/v1/campaigns/{Campaign}/assignments", new { tags = new { } }));
        log.Line("operator", $"{Campaign} assigned to every device");
    }

    public async Task RunAsync(CancellationToken until)
    {
        while (true)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(random.Next(5, 11)), until); }
            catch (OperationCanceledException) { return; }
            var action = random.Next(10) switch { < 3 => "rollout", < 5 => "kill", < 6 => "release", < 7 => "rotate", _ => "render-job" };
            var began = log.Elapsed;
            try
            {
                switch (action)
                {
                    case "rollout": await RolloutStepAsync(); break;
                    case "kill": await EngageAsync(); break;
                    case "release": await ReleaseAsync(); break;
                    case "rotate": await RotateAsync(); break;
                    default: await RenderJobAsync(); break;
                }
            }
            catch (FleetException e)
            {
                Counts["failed"]++;
                log.Line("operator", $"{action} failed: {e.Message}");
            }
            // A slow answer is part of the story: every node was passed over (down, 503, 20 s without an answer) until one answered.
            if (log.Elapsed - began > SlowAction) log.Line("operator", $"{action} took {(log.Elapsed - began).TotalSeconds:0} s");
        }
    }

    /// <summary>At the end: the open rollout is promoted to completion (every rollout must end).</summary>
    public async Task FinishAsync()
    {
        for (var i = 0; _openRollout is not null && i < 5; i++)
        {
            // As during the run, the operator looks at a stage for a while before promoting it.
            if (i > 0) await Task.Delay(TimeSpan.FromSeconds(10));
            try { await RolloutStepAsync(); }
            catch (FleetException e) { log.Line("operator", $"promote failed: {e.Message}"); }
        }
    }

    private async Task RolloutStepAsync()
    {
        if (_openRollout is null)
        {
            var version = await PublishAsync(staged: true);
            using var started = await cluster.CallAsync("rollout", n => n.Api.PostJsonAsync("api/v1/rollouts",
                new { artifact = $"campaign:{Campaign}@{version}", stages = new[] { 50.0, 100.0 }, bake = "1h", reason = "soak" }));
            _openRollout = started.RootElement.GetProperty("id").GetString()!;
            Rollouts.Add(_openRollout);
            Counts["rollout"]++;
            log.Line("operator", $"rollout {_openRollout} of {Campaign} v{version} started (stages 50 %, 100 %)");
            return;
        }
        JsonDocument view;
        try { view = await cluster.CallAsync("promote", n => n.Api.PostJsonAsync($"api/v1/rollouts/{_openRollout}/promote", new { reason = "soak" })); }
        catch (FleetException e) when (e.Message.Contains(": 409 ", StringComparison.Ordinal))
        {
            // A promote that timed out was retried on another node, and both went through: the rollout may have ended already.
            using var now = await cluster.CallAsync("rollout", n => n.Api.GetJsonAsync($"api/v1/rollouts/{_openRollout}"));
            if (now.RootElement.GetProperty("status").GetString() is not ("completed" or "aborted" or "rolled-back")) throw;
            log.Line("operator", $"rollout {_openRollout} already {now.RootElement.GetProperty("status").GetString()} (an earlier promote went through)");
            _openRollout = null;
            return;
        }
        using var _ = view;
        var status = view.RootElement.GetProperty("status").GetString();
        Counts["promote"]++;
        log.Line("operator", $"rollout {_openRollout} promoted: {status}, stage {view.RootElement.GetProperty("stage_percent").GetDouble():0} %");
        if (status is "completed" or "aborted" or "rolled-back") _openRollout = null;
    }

    /// <summary>A copy of the sample campaign with its own headline, published through the operator CLI; returns its version.</summary>
    private async Task<int> PublishAsync(bool staged)
    {
        var n = ++_publishes;
        var dir = Path.Combine(root, $"campaign-{n}");
        CopyFolder(campaignDir, dir);
        var spec = Path.Combine(dir, "campaign.json");
        var json = JsonNode.Parse(File.ReadAllText(spec))!;
        json["default_copy"]!["headline"] = $"Soak edition {n}";
        File.WriteAllText(spec, json.ToJsonString());
        var output = await cluster.CallAsync("publish", node => ChildProcess.CloudCliAsync(cloudDll,
            ["campaign", "publish", dir, "--api", node.Url, "--data", node.DataDir, "--json", .. staged ? new[] { "--staged" } : []]));
        var version = JsonDocument.Parse(output).RootElement.GetProperty("version").GetInt32();
        Counts["publish"]++;
        log.Line("operator", $"published {Campaign} v{version}{(staged ? " (staged)" : "")}");
        return version;
    }

    private async Task EngageAsync()
    {
        var scope = $"model:soak@1.0.{Kills.Count + 1}";
        using var engaged = await cluster.CallAsync("kill", n => n.Api.PostJsonAsync("api/v1/kill", new { scope, reason = "soak" }));
        var directive = engaged.RootElement.GetProperty("directive");
        var kill = new EngagedKill(directive.GetProperty("id").GetString()!, scope, directive.GetProperty("epoch").GetInt64(), DateTimeOffset.UtcNow);
        Kills.Add(kill);
        _active.Add(kill);
        Counts["kill"]++;
        log.Line("operator", $"kill {kill.Id} engaged ({scope}, epoch {kill.Epoch})");
        OnKill?.Invoke(kill);
    }

    private async Task ReleaseAsync()
    {
        if (_active.FirstOrDefault(k => DateTimeOffset.UtcNow - k.At > KillHeld) is not { } kill) return;
        using (await cluster.CallAsync("release", n => n.Api.PostJsonAsync($"api/v1/kill/{kill.Id}/release", new { reason = "soak" }))) { }
        _active.Remove(kill);
        Counts["release"]++;
        log.Line("operator", $"kill {kill.Id} released");
    }

    private async Task RotateAsync()
    {
        using (await cluster.CallAsync("rotate", n => n.Api.PostJsonAsync("api/v1/keys/rotate", new { }))) { }
        Counts["rotate"]++;
        log.Line("operator", "signing keys rotated");
    }

    private async Task RenderJobAsync()
    {
        var device = devices[random.Next(devices.Count)];
        var n = Counts["render-job"] + 1;
        JsonDocument ticket;
        try
        {
            ticket = await cluster.CallAsync("render job", c => c.Api.PostJsonAsync("api/v1/renders/jobs",
                new { device_id = device.Id, campaign_id = Campaign, height = Shared.RenderJobs.RenderVariants.Heights[0], fields = new Dictionary<string, string> { ["headline"] = $"Soak job {n}" } }));
        }
        catch (FleetException e) when (e.Message.Contains(": 429 ", StringComparison.Ordinal))
        {
            log.Line("operator", $"render job for {device.Id} refused (over its quota): not accepted, not tracked");
            return;
        }
        using (ticket)
        {
            var id = ticket.RootElement.GetProperty("job_id").GetString()!;
            if (!RenderJobs.Contains(id)) RenderJobs.Add(id);
            Counts["render-job"]++;
            log.Line("operator", $"render job {id} accepted for {device.Id}");
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
