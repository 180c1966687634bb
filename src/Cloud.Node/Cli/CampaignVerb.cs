using System.CommandLine;
using Fleet.Cloud.Api;
using Fleet.Shared.Campaigns;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud campaign publish DIR | list | show ID | versions ID | assign ID | prior ID | status ID | budget ID | review ID VERSION</c>.</summary>
public static class CampaignVerb
{
    public static Command Create()
    {
        var list = new Command("list", "every campaign: its latest version, when it changed and where it is assigned");
        list.SetAction((r, _) => ListAsync(r));
        var campaign = new Command("campaign", "publish, list, show, assign, review campaigns and see which devices run them")
        {
            Publish(), list, Show(), Versions(), Assign(), CampaignPriorCommand.Create(), CampaignStatusCommand.Create(),
            CampaignBudgetCommand.Create(), CampaignReviewCommand.Create(),
        }.CallsApi();
        // Without a subcommand it lists, as it always has.
        campaign.SetAction((r, _) => ListAsync(r));
        return campaign;
    }

    /// <summary>
    /// The command with an <c>ID</c> argument first; its action gets the API client and the id, checked before anything
    /// goes out.
    /// </summary>
    internal static Command OnCampaign(this Command command, Func<ParseResult, ApiClient, string, Task<int>> run)
    {
        var id = new Argument<string>("ID") { Description = "the campaign id (as in its campaign.json)" };
        command.Arguments.Insert(0, id);
        command.SetAction(async (r, _) =>
        {
            using var api = ApiClient.From(r);
            return await run(r, api, IdArguments.Parse<CampaignId>(r.GetValue(id)!).Value);
        });
        return command;
    }

    private static Command Publish()
    {
        var dir = new Argument<string>("DIR") { Description = "the campaign folder: campaign.json, its template and assets" };
        var model = CliOption.Text("--model", "pin a published model: devices fetch, verify and run it (until then they run the built-in one and say so)", "NAME@VERSION");
        var staged = CliOption.Flag("--staged", "store it, but keep it from devices until a rollout takes it there");
        var publish = new Command("publish", "upload, validate and store a new version (same content: no-op)") { dir, model, staged, UploadProgress.Flag }
            .WithDetails("""
                --staged keeps the new version from devices until `fleet-cloud rollout start --artifact campaign:ID@VERSION`
                takes it there. Upload progress goes to stderr when it is a terminal or with --progress (never with --json).
                """);
        publish.SetAction(async (r, _) =>
        {
            using var api = ApiClient.From(r);
            api.Timeout = TimeSpan.FromMinutes(10);
            var isStaged = r.GetValue(staged);
            var query = string.Join('&', new[] { r.GetValue(model) is { } m ? $"model={Uri.EscapeDataString(m)}" : null, isStaged ? "staged=true" : null }.OfType<string>());
            var published = await api.PostContentAsync<Published>("api/v1/campaigns" + (query.Length > 0 ? "?" + query : ""),
                CampaignFolder.Multipart(r.GetValue(dir)!, total => UploadProgress.ForCli(r, "publish", total)));
            Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(published) : published.Created
                ? $"published {published.CampaignId} v{published.Version}{(isStaged ? " (staged)" : "")} (content {published.ContentHash[..12]})\n"
                : $"unchanged: {published.CampaignId} v{published.Version} already holds this content\n");
            return 0;
        });
        return publish;
    }

    private static async Task<int> ListAsync(ParseResult r)
    {
        using var api = ApiClient.From(r);
        var all = await api.GetAsync<List<CampaignSummary>>("api/v1/campaigns");
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(all) : all.Count == 0 ? "no campaigns\n" : TextTable.Render(["CAMPAIGN", "NAME", "LATEST", "UPDATED", "ASSIGNED TO"],
            all.Select(c => (IReadOnlyList<string>)[c.Id, c.Name, $"v{c.LatestVersion}", $"{c.UpdatedAt:u}", Assignments(c)])));
        return 0;
    }

    private static Command Show() => new Command("show", "one campaign: its latest version, assignments and every version").OnCampaign(async (r, api, id) =>
    {
        var d = await api.GetAsync<CampaignDetail>($"api/v1/campaigns/{Uri.EscapeDataString(id)}");
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(d)
            : $"campaign   {d.Summary.Id} ({d.Summary.Name})\nlatest     v{d.Summary.LatestVersion}\nassigned   {Assignments(d.Summary)}\n\n" + Versions(d.Versions));
        return 0;
    });

    private static Command Versions() => new Command("versions", "a campaign's versions: in force, created, by whom, size, signing key, expiry").OnCampaign(async (r, api, id) =>
    {
        var versions = await api.GetAsync<List<VersionView>>($"api/v1/campaigns/{Uri.EscapeDataString(id)}/versions");
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(versions) : Versions(versions));
        return 0;
    });

    private static Command Assign()
    {
        var tags = CliOption.Text("--tags", "only devices with every one of these tags (default: all devices)", "k=v,...");
        return new Command("assign", "assign a campaign to all devices, or to those with every tag") { tags }.OnCampaign(async (r, api, id) =>
        {
            var wanted = TagText.Parse(r.GetValue(tags));
            var assigned = await api.PostAsync<Assigned>($"api/v1/campaigns/{Uri.EscapeDataString(id)}/assignments", new { tags = wanted });
            Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(assigned)
                : $"assigned {assigned.CampaignId} (now v{assigned.Version}) to {(wanted.Count == 0 ? "all devices" : string.Join(',', wanted.Select(t => $"{t.Key}={t.Value}")))}\n");
            return 0;
        });
    }

    private static string Assignments(CampaignSummary c) => c.Assignments.Count == 0 ? "-"
        : string.Join("; ", c.Assignments.Select(t => t.Count == 0 ? "all devices" : string.Join(',', t.Select(kv => $"{kv.Key}={kv.Value}"))));

    private static string Versions(IReadOnlyList<VersionView> versions) => TextTable.Render(["VERSION", "IN FORCE", "CREATED", "BY", "ASSETS", "BYTES", "TEMPLATE", "KEY", "EXPIRES"],
        versions.Select(v => (IReadOnlyList<string>)[$"v{v.Version}", v.InForce ? "yes" : "no", $"{v.CreatedAt:u}", v.CreatedBy, v.Assets.ToString(), v.Bytes.ToString(),
            v.Template ?? "-", v.Kid ?? "-", v.ExpiresAt is { } e ? $"{e:u}" : "-"]));
}
