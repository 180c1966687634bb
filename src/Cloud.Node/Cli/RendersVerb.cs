using Fleet.Cloud.Api;
using Fleet.Shared.RenderJobs;
using static Fleet.Shared.RenderJobs.RenderSchedulerReplies;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud renders [--campaign ID]</c> and <c>renders show JOB</c>: cloud render jobs and each campaign's budget use.</summary>
public static class RendersVerb
{
    public static readonly Verb Verb = new("renders", "cloud render jobs and budgets: list [--campaign ID], show JOB", RunAsync, ["list", "show"]);

    private const string Usage = """
        usage: fleet-cloud renders [--campaign ID] [--json]       jobs (newest first) and today's budget use per campaign
               fleet-cloud renders show JOB [--json]              one job: status, attempts and their errors, worker, encoder, output
          common: [--api URL] [--token TOKEN] [--data DIR]. Budgets: 'fleet-cloud campaign budget ID --renders-per-day N'.
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv);
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        a.RejectUnknown([.. ApiClient.Options, "campaign"]);
        using var api = ApiClient.From(a);
        var json = a.Flag("json");
        switch (a.Positionals)
        {
            case [] or ["list"]:
                var campaign = a.Get("campaign") is { } c ? $"?campaign={Uri.EscapeDataString(IdArguments.Parse<Fleet.Shared.Campaigns.CampaignId>(c).Value)}" : "";
                var list = await api.GetAsync<JobList>("api/v1/renders" + campaign);
                Console.Write(json ? CliJson.Of(list) : List(list));
                return 0;
            case ["show", var id]:
                var job = await api.GetAsync<RenderJobView>($"api/v1/renders/jobs/{Uri.EscapeDataString(id)}");
                Console.Write(json ? CliJson.Of(job) : Show(job));
                return 0;
            default:
                throw new UsageException("use 'renders [--campaign ID]' or 'renders show JOB'");
        }
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
