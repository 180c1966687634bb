using System.Diagnostics;
using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Shared.Campaigns;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud campaign publish DIR | list | show ID | versions ID | assign ID [--tags k=v,...] | status ID | review ID VERSION</c>.</summary>
public static class CampaignVerb
{
    public static readonly Verb Verb = new("campaign", "publish, list, show, assign, review campaigns and see which devices run them", RunAsync, ["publish", "list", "show", "versions", "assign", "prior", "status", "budget", "review"]);

    private const string Usage = """
        usage: fleet-cloud campaign publish DIR [--model NAME@VERSION] [--staged] [--progress] [--json]
                   upload, validate, store a new version (same content: no-op); --staged keeps it from devices
                   until `fleet-cloud rollout start --artifact campaign:ID@VERSION` takes it there; --model pins a
                   published model (devices fetch, verify and run it; until then they run the built-in one and say so);
                   upload progress goes to stderr when it is a terminal or with --progress (never with --json)
               fleet-cloud campaign list [--json]
               fleet-cloud campaign show ID [--json]
               fleet-cloud campaign versions ID [--json]
               fleet-cloud campaign assign ID [--tags k=v,...] [--json]          all devices, or those with every tag
               fleet-cloud campaign prior ID [--version N] [--json]             what the fleet learnt (per context bucket and copy
                                                                    variant: impressions, clicks, completes; signed) that
                                                                    devices start their bandit from; default: latest version
               fleet-cloud campaign status ID [--json] [--wait-version N --devices COUNT --timeout SEC]
               fleet-cloud campaign budget ID [--renders-per-day N] [--render-seconds-per-day S] [--device-jobs N] [--json]
                                                                    cloud render budget per UTC day (0 refuses all, 'none' lifts a limit)
                                                                    and unfinished cloud renders per device (default 2)
               fleet-cloud campaign review ID VERSION [--json]                  every copy variant (all locale pools) with its review
                                                                    state and the safety filter's verdict; exit 3 while
                                                                    any is unreviewed or rejected
               fleet-cloud campaign review ID VERSION --approve VARIANT [--reason R] | --reject VARIANT --reason R
                                                                    record a decision (operator); with the cloud's
                                                                    --require-review a rollout holds at stage 1 until
                                                                    every variant is approved
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, "staged", UploadProgress.Option);
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        a.RejectUnknown([.. ApiClient.Options, "model", "staged", "tags", "wait-version", "devices", "timeout", "renders-per-day", "render-seconds-per-day", "device-jobs", "version", UploadProgress.Option, .. CampaignReviewCommand.Options]);
        using var api = ApiClient.From(a);
        var json = a.Flag("json");
        // Every verb that names a campaign checks the id before anything goes out.
        if (a.Positionals is ["show" or "versions" or "assign" or "prior" or "status" or "review" or "budget", var named, ..]) IdArguments.Parse<CampaignId>(named);
        switch (a.Positionals)
        {
            case ["publish", var dir]:
                api.Timeout = TimeSpan.FromMinutes(10);
                var query = string.Join('&', new[] { a.Get("model") is { } m ? $"model={Uri.EscapeDataString(m)}" : null, a.Flag("staged") ? "staged=true" : null }.OfType<string>());
                var published = await api.PostContentAsync<Published>("api/v1/campaigns" + (query.Length > 0 ? "?" + query : ""), CampaignFolder.Multipart(dir, total => UploadProgress.ForCli(a, "publish", total)));
                Console.Write(json ? CliJson.Of(published) : published.Created
                    ? $"published {published.CampaignId} v{published.Version}{(a.Flag("staged") ? " (staged)" : "")} (content {published.ContentHash[..12]})\n"
                    : $"unchanged: {published.CampaignId} v{published.Version} already holds this content\n");
                return 0;
            case ["list"] or []:
                var all = await api.GetAsync<List<CampaignSummary>>("api/v1/campaigns");
                Console.Write(json ? CliJson.Of(all) : all.Count == 0 ? "no campaigns\n" : TextTable.Render(["CAMPAIGN", "NAME", "LATEST", "UPDATED", "ASSIGNED TO"],
                    all.Select(c => (IReadOnlyList<string>)[c.Id, c.Name, $"v{c.LatestVersion}", $"{c.UpdatedAt:u}", Assignments(c)])));
                return 0;
            case ["show", var id]:
                var d = await api.GetAsync<CampaignDetail>($"api/v1/campaigns/{Uri.EscapeDataString(id)}");
                Console.Write(json ? CliJson.Of(d) : $"campaign   {d.Summary.Id} ({d.Summary.Name})\nlatest     v{d.Summary.LatestVersion}\nassigned   {Assignments(d.Summary)}\n\n" + Versions(d.Versions));
                return 0;
            case ["versions", var id]:
                var versions = await api.GetAsync<List<VersionView>>($"api/v1/campaigns/{Uri.EscapeDataString(id)}/versions");
                Console.Write(json ? CliJson.Of(versions) : Versions(versions));
                return 0;
            case ["assign", var id]:
                var tags = TagText.Parse(a.Get("tags"));
                var assigned = await api.PostAsync<Assigned>($"api/v1/campaigns/{Uri.EscapeDataString(id)}/assignments", new { tags });
                Console.Write(json ? CliJson.Of(assigned) : $"assigned {assigned.CampaignId} (now v{assigned.Version}) to {(tags.Count == 0 ? "all devices" : string.Join(',', tags.Select(t => $"{t.Key}={t.Value}")))}\n");
                return 0;
            case ["prior", var id]:
                return await CampaignPriorCommand.RunAsync(api, id, a.Get("version"), json);
            case ["status", var id]:
                return await StatusAsync(api, id, a, json);
            case ["review", var id, var version]:
                return await CampaignReviewCommand.RunAsync(api, id, version, a, json);
            case ["budget", var id]:
                if (a.Get("renders-per-day") is null && a.Get("render-seconds-per-day") is null && a.Get("device-jobs") is null)
                    throw new UsageException("campaign budget needs --renders-per-day N, --render-seconds-per-day S and/or --device-jobs N");
                var usage = await api.PostAsync<Fleet.Shared.RenderJobs.RenderUsageView>($"api/v1/campaigns/{Uri.EscapeDataString(id)}/budget",
                    new Fleet.Cloud.Renders.RenderJobEndpoints.BudgetRequest(
                        Limit(a.Get("renders-per-day"), "--renders-per-day", int.Parse), Limit(a.Get("render-seconds-per-day"), "--render-seconds-per-day", double.Parse),
                        a.Get("device-jobs") is null ? null : a.GetInt("device-jobs", Fleet.Cloud.Renders.RenderLedger.DefaultDeviceJobs, 1, 1000, "concurrent renders")));
                Console.Write(json ? CliJson.Of(usage) : $"{usage.CampaignId}: {RendersVerb.Budget(usage)}\n");
                return 0;
            default:
                throw new UsageException("use 'campaign publish DIR', 'list', 'show ID', 'versions ID', 'assign ID', 'prior ID', 'status ID', 'budget ID' or 'review ID VERSION'");
        }
    }

    /// <summary>Per-device running version; with --wait-version, waits until --devices devices run it.</summary>
    private static async Task<int> StatusAsync(ApiClient api, string id, CommandArgs a, bool json)
    {
        var wantVersion = a.GetInt("wait-version", 0);
        var wantDevices = a.GetInt("devices", 1);
        var deadline = Stopwatch.StartNew();
        var timeout = TimeSpan.FromSeconds(a.GetInt("timeout", 60));
        while (true)
        {
            var reports = await api.GetAsync<List<DeviceSyncReport>>($"api/v1/campaigns/{Uri.EscapeDataString(id)}/status");
            var running = reports.Count(r => r.Running.Any(c => c.CampaignId == id && c.Version >= wantVersion));
            if (wantVersion == 0 || running >= wantDevices)
            {
                Console.Write(json ? CliJson.Of(reports) : reports.Count == 0 ? "no device has reported this campaign yet\n" : TextTable.Render(["DEVICE", "RUNNING", "KEY", "LAST REJECTION"],
                    reports.Select(r => (IReadOnlyList<string>)[r.DeviceId,
                        r.Running.FirstOrDefault(c => c.CampaignId == id) is { } rc ? $"v{rc.Version}" : "-",
                        r.Running.FirstOrDefault(c => c.CampaignId == id)?.Kid ?? "-",
                        r.Rejections.LastOrDefault(x => x.CampaignId == id) is { } x ? $"v{x.Version} {x.Reason}: {x.Message}" : "-"])));
                return 0;
            }
            if (deadline.Elapsed > timeout) throw new FleetException($"only {running} of {wantDevices} device(s) run {id} v{wantVersion} after {timeout.TotalSeconds:0}s");
            await Task.Delay(100);
        }
    }


    private static string Assignments(CampaignSummary c) => c.Assignments.Count == 0 ? "-"
        : string.Join("; ", c.Assignments.Select(t => t.Count == 0 ? "all devices" : string.Join(',', t.Select(kv => $"{kv.Key}={kv.Value}"))));

    private static string Versions(IReadOnlyList<VersionView> versions) => TextTable.Render(["VERSION", "IN FORCE", "CREATED", "BY", "ASSETS", "BYTES", "TEMPLATE", "KEY", "EXPIRES"],
        versions.Select(v => (IReadOnlyList<string>)[$"v{v.Version}", v.InForce ? "yes" : "no", $"{v.CreatedAt:u}", v.CreatedBy, v.Assets.ToString(), v.Bytes.ToString(),
            v.Template ?? "-", v.Kid ?? "-", v.ExpiresAt is { } e ? $"{e:u}" : "-"]));

    /// <summary>A budget flag: a non-negative number; <c>none</c> (or leaving the flag out) means no limit.</summary>
    private static T? Limit<T>(string? raw, string flag, Func<string, System.Globalization.NumberStyles, IFormatProvider, T> parse) where T : struct, IComparable<T>
    {
        if (raw is null || raw == "none") return null;
        try
        {
            var v = parse(raw, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture);
            return v.CompareTo(default) >= 0 ? v : throw new UsageException($"{flag} cannot be negative");
        }
        catch (FormatException) { throw new UsageException($"{flag} '{raw}' is not a number (or 'none')"); }
        catch (OverflowException) { throw new UsageException($"{flag} '{raw}' is too large"); }
    }
}

/// <summary>The files of a campaign folder as one multipart body: campaign.json, its template and every listed asset that exists.</summary>
public static class CampaignFolder
{
    /// <param name="progress">Given the body's size, a progress reporter for the upload (null: none).</param>
    public static MultipartFormDataContent Multipart(string dir, Func<long, UploadProgress?>? progress = null)
    {
        var root = Path.GetFullPath(dir);
        var specPath = Path.Combine(root, CampaignLoader.FileName);
        if (!File.Exists(specPath)) throw new FleetException($"{dir}: no {CampaignLoader.FileName} in the campaign folder");
        var files = new List<string> { CampaignLoader.FileName };
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(specPath));
            files.Add(doc.RootElement.TryGetProperty("template", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "template.json");
            if (doc.RootElement.TryGetProperty("assets", out var assets) && assets.ValueKind == JsonValueKind.Array)
                files.AddRange(assets.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object && x.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String)
                    .Select(x => x.GetProperty("path").GetString()!));
        }
        catch (JsonException)
        {
            // The server reports the exact problem; upload what there is.
        }
        // Missing or escaping paths are not sent; the server names the missing asset precisely.
        var sent = files.Distinct().Select(rel => Path.GetFullPath(Path.Combine(root, rel)))
            .Where(full => full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(full)).ToList();
        var reporter = progress?.Invoke(sent.Sum(f => new FileInfo(f).Length));
        var content = new MultipartFormDataContent();
        foreach (var full in sent)
        {
            Stream file = File.OpenRead(full);
            content.Add(new StreamContent(reporter?.Wrap(file) ?? file), "file", Path.GetRelativePath(root, full).Replace('\\', '/'));
        }
        return content;
    }
}
