using System.CommandLine;
using System.Globalization;
using System.Text;
using Fleet.Cloud.Api;
using Fleet.Cloud.Rollouts;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud rollout start|status|list|pause|resume|abort|promote</c>: health-gated canary rollouts.</summary>
public static class RolloutVerb
{
    private static readonly Option<string?> Artifact = Required(CliOption.Text("--artifact", $"what to roll out: {ArtifactKind.Forms}", "ARTIFACT"));
    private static readonly Option<string?> StagesOption = CliOption.Text("--stages", "the share of eligible devices at each stage, rising to 100 (default 1,5,25,100)", "1,5,25,100");
    private static readonly Option<string?> Bake = CliOption.Text("--bake", "how long each stage is observed before the next (default 10m)", "DURATION");
    private static readonly Option<string?> Tags = CliOption.Text("--tags", "only devices with these tags are eligible", "k=v,...");
    private static readonly Option<string[]> Gate = CliOption.Many("--gate",
        "a health gate (repeatable): success>=R, p95<=MS or p95<=Nx (ratio to baseline), fallback<=R, safety<=R, load-errors<=N; default success>=0.99 p95<=1.2x fallback<=0.02 load-errors<=0",
        "GATE");
    private static readonly Option<string?> MinSamples = CliOption.Text("--min-samples", "renders a cohort needs before its gates are judged (default 50); a p95 gate counts renders that ran, not cache hits", "N");
    private static readonly Option<string?> StageTimeout = CliOption.Text("--timeout", "a stage without enough samples by then pauses for a person (default 3 x --bake, at least 30m)", "DURATION");
    private static readonly Option<string?> WriteOffAfter = CliOption.Text("--write-off-after", "a cohort device not heard from this long no longer holds the stage back (default 10m)", "DURATION");

    public static Command Create()
    {
        var startReason = CliOption.Text("--reason", "why (kept in the rollout's history and the audit log)", "TEXT");
        var start = new Command("start", "start a canary rollout (role operator)")
        {
            Artifact, StagesOption, Bake, Tags, Gate, MinSamples, StageTimeout, WriteOffAfter, startReason,
        }.WithDetails("""
            Too few samples keeps observing; a stage without enough samples by --timeout pauses for a person. A breach
            rolls back by itself.
            """);
        start.SetAction((r, _) => StartAsync(r, StartBody(r, r.GetValue(startReason))));

        var list = new Command("list", "every rollout, newest last");
        list.SetAction((r, _) => ListAsync(r));

        var statusId = new Argument<string>("ID") { Description = "the rollout" };
        var status = new Command("status", "stage, gate verdict, canary vs baseline, devices, history") { statusId, StatusWatch.Watch, StatusWatch.Timeout }
            .WithDetails("--watch: until the rollout ends: exit 0 completed, 3 rolled back or aborted, 4 still running at --timeout.");
        status.SetAction((r, _) => StatusAsync(r, r.GetValue(statusId)!));

        var rollout = new Command("rollout", "canary rollouts: start, status [--watch], list, pause, resume, abort, promote") { start, status, list }.CallsApi();
        foreach (var (action, what) in new[]
                 {
                     ("pause", "hold the rollout at its stage"), ("resume", "go on observing a paused rollout"),
                     ("abort", "stop and roll back"), ("promote", "go to the next stage now"),
                 })
            rollout.Subcommands.Add(Act(action, what + " (role operator)"));
        return rollout;
    }

    private static Command Act(string action, string description)
    {
        var id = new Argument<string>("ID") { Description = "the rollout" };
        var reason = Required(CliOption.Text("--reason", "why (kept in the rollout's history and the audit log)", "TEXT"));
        var command = new Command(action, description) { id, reason };
        command.SetAction(async (r, _) =>
        {
            using var api = ApiClient.From(r);
            var v = await api.PostAsync<RolloutView>($"api/v1/rollouts/{Uri.EscapeDataString(r.GetValue(id)!)}/{action}", new RolloutEndpoints.ActRequest(r.GetValue(reason)!));
            Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(v) : $"{v.Id}: {FleetJson.Name(v.Status)}, stage {v.Stage + 1}/{v.Stages.Count} ({Pct(v.StagePercent)})\n");
            return 0;
        });
        return command;
    }

    private static async Task<int> StartAsync(ParseResult r, RolloutEndpoints.StartRequest body)
    {
        using var api = ApiClient.From(r);
        var v = await api.PostAsync<RolloutView>("api/v1/rollouts", body);
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(v) : $"{v.Id} started: {v.Artifact} (baseline keeps {v.Previous}); stages {Stages(v.Stages)}, bake {v.Bake}\n" +
                                                                  $"watch with 'fleet-cloud rollout status {v.Id} --watch'\n");
        return 0;
    }

    private static async Task<int> ListAsync(ParseResult r)
    {
        using var api = ApiClient.From(r);
        var all = await api.GetAsync<List<RolloutView>>("api/v1/rollouts");
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(all) : all.Count == 0 ? "no rollouts\n" : TextTable.Render(["ID", "ARTIFACT", "STATUS", "STAGE", "COHORT", "STARTED", "BY"],
            all.Select(v => (IReadOnlyList<string>)[v.Id, v.Artifact, FleetJson.Name(v.Status), $"{v.Stage + 1}/{v.Stages.Count} ({Pct(v.StagePercent)})",
                $"{v.Devices.Count}/{v.Eligible}", $"{v.StartedAt:u}", v.StartedBy])));
        return 0;
    }

    private static async Task<int> StatusAsync(ParseResult r, string id)
    {
        using var api = ApiClient.From(r);
        var json = r.GetValue(FleetCli.Json);
        return await StatusWatch.RunAsync(() => api.GetAsync<RolloutView>($"api/v1/rollouts/{Uri.EscapeDataString(id)}"),
            v => json ? CliJson.Of(v) : Status(v), json,
            v => FleetJson.Name(v.Status) switch { "completed" => 0, "rolled-back" or "aborted" => StatusWatch.ExitEndedBadly, _ => null },
            r.GetValue(StatusWatch.Watch), StatusWatch.TimeoutOf(r), TimeSpan.FromSeconds(1),
            v => $"rollout {v.Id} is still {FleetJson.Name(v.Status)} at stage {v.Stage + 1}/{v.Stages.Count}");
    }

    /// <summary>The request body, checked here first so a typo never reaches the cloud.</summary>
    private static RolloutEndpoints.StartRequest StartBody(ParseResult r, string? reason)
    {
        var stages = r.GetValue(StagesOption)?.Split(',', StringSplitOptions.TrimEntries).Select(s =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : throw new UsageException($"--stages: '{s}' is not a number")).ToList();
        var minSamples = r.GetValue(MinSamples) is { } m
            ? long.TryParse(m, out var n) ? n : throw new UsageException($"--min-samples '{m}' is not a number")
            : (long?)null;
        var body = new RolloutEndpoints.StartRequest(r.GetValue(Artifact)!, stages, r.GetValue(Bake), TagText.Parse(r.GetValue(Tags)),
            r.GetValue(Gate)!.ToList(), minSamples, r.GetValue(StageTimeout), r.GetValue(WriteOffAfter), reason ?? "");
        var cmd = RolloutEndpoints.ToCommand(body, "cli");
        if (RolloutBook.Invalid(cmd) is { } why) throw new UsageException(why);
        return body;
    }

    private static T Required<T>(T option) where T : Option
    {
        option.Required = true;
        return option;
    }

    private static string Status(RolloutView v)
    {
        var b = new StringBuilder();
        b.Append($"{v.Id}  {v.Artifact}  {FleetJson.Name(v.Status).ToUpperInvariant()}\n");
        b.Append($"baseline   {v.Previous}\n");
        b.Append($"stage      {v.Stage + 1}/{v.Stages.Count} ({Pct(v.StagePercent)} of {v.Eligible} eligible) since {v.StageStartedAt:u}, bake {v.Bake}\n");
        b.Append($"gates      {string.Join("  ", v.Gates)}  (min {v.MinSamples} samples)\n");
        b.Append($"verdict    {v.Verdict ?? "not observed yet"}\n");
        if (v.Canary is { } c && v.Baseline is { } bl)
            b.Append(TextTable.Render(["COHORT", "RENDERS", "SUCCESS", "FALLBACK", "SAFETY", "P95", "LOAD ERRORS"],
                [Health("canary", c), Health("baseline", bl)]));
        if (v.Devices.Count > 0)
            b.Append(TextTable.Render(["DEVICE", "STATE", "DETAIL"], v.Devices.Select(d => (IReadOnlyList<string>)[d.DeviceId, FleetJson.Name(d.State), d.Detail ?? ""])));
        b.Append(TextTable.Render(["AT", "WHAT", "BY", "WHY"], v.History.Select(h => (IReadOnlyList<string>)[$"{h.At:HH:mm:ss}", h.What, h.By, h.Why])));
        return b.ToString();
    }

    private static IReadOnlyList<string> Health(string name, HealthWindow h) =>
        h.Renders == 0
            ? [name, "0", "-", "-", "-", "-", h.LoadErrors.ToString(CultureInfo.InvariantCulture)]
            : [name, h.Renders.ToString(CultureInfo.InvariantCulture), Rate(h.SuccessRate), Rate(h.FallbackRate), Rate(h.SafetyRate),
            h.P95Ms is { } p ? $"{p:0} ms" : "-", h.LoadErrors.ToString(CultureInfo.InvariantCulture)];

    private static string Rate(double r) => r.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Pct(double p) => p.ToString("0.##", CultureInfo.InvariantCulture) + " %";

    private static string Stages(IEnumerable<double> s) => string.Join(',', s.Select(p => p.ToString(CultureInfo.InvariantCulture)));

}
