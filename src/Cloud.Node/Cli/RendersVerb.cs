using System.CommandLine;
using Fleet.Cloud.Api;
using Fleet.Shared.RenderJobs;
using static Fleet.Shared.RenderJobs.RenderSchedulerReplies;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud renders [--campaign ID]</c> and <c>renders show JOB</c>: cloud render jobs and each campaign's budget use.</summary>
public static class RendersVerb
{
    public static Command Create()
    {
        var campaign = CliOption.Text("--campaign", "only this campaign's jobs", "ID");
        var list = new Command("list", "jobs (newest first) and today's budget use per campaign (the default)") { campaign };
        list.SetAction((r, _) => ListAsync(r, r.GetValue(campaign)));

        var job = new Argument<string>("JOB") { Description = "the job id" };
        var show = new Command("show", "one job: status, attempts and their errors, worker, encoder, output") { job };
        show.SetAction(async (r, _) =>
        {
            using var api = ApiClient.From(r);
            var view = await api.GetAsync<RenderJobView>($"api/v1/renders/jobs/{Uri.EscapeDataString(r.GetValue(job)!)}");
            Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(view) : Show(view));
            return 0;
        });

        // Without a subcommand it lists, as it always has, --campaign included.
        var renders = new Command("renders", "cloud render jobs and budgets: list [--campaign ID], show JOB") { campaign, list, show }.CallsApi()
            .WithDetails("Budgets are set with 'fleet-cloud campaign budget ID --renders-per-day N'.");
        renders.SetAction((r, _) => ListAsync(r, r.GetValue(campaign)));
        return renders;
    }

    private static async Task<int> ListAsync(ParseResult r, string? campaignId)
    {
        var query = campaignId is { } c ? $"?campaign={Uri.EscapeDataString(IdArguments.Parse<Fleet.Shared.Campaigns.CampaignId>(c).Value)}" : "";
        using var api = ApiClient.From(r);
        var list = await api.GetAsync<JobList>("api/v1/renders" + query);
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(list) : List(list));
        return 0;
    }

    public static string Budget(RenderUsageView u) =>
        $"{u.Day}: {u.Renders}{(u.RendersPerDay is { } r ? $"/{r}" : "")} renders, {u.RenderSeconds:0.#}{(u.RenderSecondsPerDay is { } s ? $"/{s:0.#}" : "")} render-s" +
        (u.RendersPerDay is null && u.RenderSecondsPerDay is null ? " (no limit)" : "") + $", {u.DeviceJobs} per device at a time";

    private static string List(JobList l)
    {
        var jobs = l.Jobs.Count == 0 ? "no render jobs\n" : TextTable.Render(["JOB", "STATUS", "DEVICE", "CAMPAIGN", "HEIGHT", "ATTEMPTS", "WORKER", "ENCODER", "SECONDS"],
            l.Jobs.Select(j => (IReadOnlyList<string>)[j.JobId, Lower(j.Status), j.DeviceId, $"{j.Spec.CampaignId} v{j.Spec.CampaignVersion}", $"{j.Spec.Height}p",
                j.Attempts.ToString(), j.Worker ?? "-", j.Encoder ?? "-", j.RenderSeconds is { } s ? $"{s:0.00}" : "-"]));
        var budgets = l.Usage.Count == 0 ? "" : "\n" + TextTable.Render(["CAMPAIGN", "BUDGET TODAY"], l.Usage.Select(u => (IReadOnlyList<string>)[u.CampaignId, Budget(u)]));
        return jobs + budgets;
    }

    private static string Show(RenderJobView j) =>
        $"job        {j.JobId}\nstatus     {Lower(j.Status)}{(j.Error is null ? "" : " — " + j.Error)}\ndevice     {j.DeviceId}\n" +
        $"campaign   {j.Spec.CampaignId} v{j.Spec.CampaignVersion} at {j.Spec.Height}p\ncopy       {string.Join(", ", j.Spec.Fields.Select(f => $"{f.Key}={f.Value}"))}\n" +
        $"voice      {j.Spec.VoiceLine ?? "-"}\nattempts   {j.Attempts}{string.Concat(j.AttemptErrors.Select(e => "\n           " + e))}\n" +
        $"worker     {j.Worker ?? "-"} ({j.Encoder ?? "-"}){(j.RenderSeconds is { } s ? $" in {s:0.00} s" : "")}\n" +
        $"output     {(j.Sha256 is { } sha ? $"{sha} ({j.Size:N0} bytes)" : "-")}\naccepted   {j.AcceptedAt:u}{(j.FinishedAt is { } f ? $", finished {f:u}" : "")}\n";

    private static string Lower(RenderJobStatus s) => s.ToString().ToLowerInvariant();
}
