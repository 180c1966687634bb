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
    public static readonly Verb Verb = new("rollout", "canary rollouts: start, status [--watch], list, pause, resume, abort, promote", RunAsync, ["start", "status", "list", "pause", "resume", "abort", "promote"]);

    private static readonly string Usage = $"""
        usage: fleet-cloud rollout start --artifact {ArtifactKind.Forms}
                   [--stages 1,5,25,100] [--bake 10m] [--tags k=v,...] [--gate success>=0.99 --gate p95<=1.2x --gate fallback<=0.02 ...]
                   [--min-samples 50] [--timeout 30m] [--write-off-after 10m] [--reason TEXT] [--json]
               fleet-cloud rollout status ID [--watch [--timeout 2h]] [--json]   stage, gate verdict, canary vs baseline, devices, history
                   --watch: until the rollout ends: exit 0 completed, 3 rolled back or aborted, 4 still running at --timeout
               fleet-cloud rollout list [--json]
               fleet-cloud rollout pause|resume|abort|promote ID --reason TEXT [--json]
          gates: success>=R, p95<=MS or p95<=Nx (ratio to baseline), fallback<=R, safety<=R, load-errors<=N
                 (default: success>=0.99 p95<=1.2x fallback<=0.02 load-errors<=0). Too few samples keeps observing;
                 a stage without enough samples by --timeout pauses for a person. A breach rolls back by itself.
          common: [--api URL] [--token TOKEN] [--data DIR]; start and the actions need the 'operator' role.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, "watch");
        if (a.Flag("help") || a.Positionals.Count == 0) { Console.WriteLine(Usage); return a.Flag("help") ? 0 : 2; }
        a.RejectUnknown([.. ApiClient.Options, "artifact", "stages", "bake", "tags", "gate", "min-samples", "timeout", "write-off-after", "reason", "watch"]);
        var json = a.Flag("json");
        switch (a.Positionals)
        {
            case ["start"]:
            {
                var body = StartBody(a);
                using var api = ApiClient.From(a);
                var v = await api.PostAsync<RolloutView>("api/v1/rollouts", body);
                Console.Write(json ? CliJson.Of(v) : $"{v.Id} started: {v.Artifact} (baseline keeps {v.Previous}); stages {Stages(v.Stages)}, bake {v.Bake}\n" +
                                                     $"watch with 'fleet-cloud rollout status {v.Id} --watch'\n");
                return 0;
            }
            case ["list"]:
            {
                using var api = ApiClient.From(a);
                var all = await api.GetAsync<List<RolloutView>>("api/v1/rollouts");
                Console.Write(json ? CliJson.Of(all) : all.Count == 0 ? "no rollouts\n" : TextTable.Render(["ID", "ARTIFACT", "STATUS", "STAGE", "COHORT", "STARTED", "BY"],
                    all.Select(r => (IReadOnlyList<string>)[r.Id, r.Artifact, FleetJson.Name(r.Status), $"{r.Stage + 1}/{r.Stages.Count} ({Pct(r.StagePercent)})",
                        $"{r.Devices.Count}/{r.Eligible}", $"{r.StartedAt:u}", r.StartedBy])));
                return 0;
            }
            case ["status", var id]:
            {
                using var api = ApiClient.From(a);
                return await StatusWatch.RunAsync(() => api.GetAsync<RolloutView>($"api/v1/rollouts/{Uri.EscapeDataString(id)}"),
                    v => json ? CliJson.Of(v) : Status(v), json,
                    v => FleetJson.Name(v.Status) switch { "completed" => 0, "rolled-back" or "aborted" => StatusWatch.ExitEndedBadly, _ => null },
                    a.Flag("watch"), StatusWatch.TimeoutOf(a), TimeSpan.FromSeconds(1),
                    v => $"rollout {v.Id} is still {FleetJson.Name(v.Status)} at stage {v.Stage + 1}/{v.Stages.Count}");
            }
            case [var action, var id] when action is "pause" or "resume" or "abort" or "promote":
            {
                var reason = a.Required("reason");
                using var api = ApiClient.From(a);
                var v = await api.PostAsync<RolloutView>($"api/v1/rollouts/{Uri.EscapeDataString(id)}/{action}", new RolloutEndpoints.ActRequest(reason));
                Console.Write(json ? CliJson.Of(v) : $"{v.Id}: {FleetJson.Name(v.Status)}, stage {v.Stage + 1}/{v.Stages.Count} ({Pct(v.StagePercent)})\n");
                return 0;
            }
            default:
                throw new UsageException($"unexpected '{string.Join(' ', a.Positionals)}' (see --help)");
        }
    }

    /// <summary>The request body, checked here first so a typo never reaches the cloud.</summary>
    private static RolloutEndpoints.StartRequest StartBody(CommandArgs a)
    {
        var stages = a.Get("stages")?.Split(',', StringSplitOptions.TrimEntries).Select(s =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : throw new UsageException($"--stages: '{s}' is not a number")).ToList();
        var minSamples = a.Get("min-samples") is { } m
            ? long.TryParse(m, out var n) ? n : throw new UsageException($"--min-samples '{m}' is not a number")
            : (long?)null;
        var body = new RolloutEndpoints.StartRequest(a.Required("artifact"), stages, a.Get("bake"), TagText.Parse(a.Get("tags")),
            a.GetAll("gate").ToList(), minSamples, a.Get("timeout"), a.Get("write-off-after"), a.Get("reason") ?? "");
        var cmd = RolloutEndpoints.ToCommand(body, "cli");
        if (RolloutBook.Invalid(cmd) is { } why) throw new UsageException(why);
        return body;
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
