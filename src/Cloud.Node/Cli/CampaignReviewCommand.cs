using System.CommandLine;
using Fleet.Cloud.Api;
using Fleet.Cloud.Campaigns;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Cli;

/// <summary>
/// <c>fleet-cloud campaign review ID VERSION [--approve VARIANT | --reject VARIANT] [--reason R]</c>: the copy variants of a
/// version with their review state and safety verdict; exit 3 while any is unreviewed or rejected, so a script can wait.
/// </summary>
public static class CampaignReviewCommand
{
    public static Command Create()
    {
        var version = new Argument<string>("VERSION") { Description = "the campaign version, like 3" };
        var approve = CliOption.Text("--approve", "record that this variant is approved (operator role or higher)", "VARIANT");
        var reject = CliOption.Text("--reject", "record that this variant is rejected (needs --reason)", "VARIANT");
        var reason = CliOption.Text("--reason", "why, with --approve or --reject", "R");
        var review = new Command("review", "every copy variant of a version with its review state and the safety filter's verdict") { version, approve, reject, reason }
            .WithDetails("""
                Lists every copy variant (all locale pools); exits 3 while any is unreviewed or rejected, so a script can
                wait on it. --approve or --reject records a decision. With the cloud's --require-review a rollout holds
                at stage 1 until every variant is approved.
                """);
        return review.OnCampaign((r, api, id) =>
            RunAsync(api, id, r.GetValue(version)!, r.GetValue(approve), r.GetValue(reject), r.GetValue(reason), r.GetValue(FleetCli.Json)));
    }

    private static async Task<int> RunAsync(ApiClient api, string id, string versionText, string? approve, string? reject, string? reason, bool json)
    {
        if (!int.TryParse(versionText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) || version < 1)
            throw new UsageException($"campaign review: version '{versionText}' is not a version number like 3");
        var path = $"api/v1/campaigns/{Uri.EscapeDataString(id)}/versions/{version}/review";
        if (approve is not null && reject is not null) throw new UsageException("campaign review: use --approve VARIANT or --reject VARIANT, not both");
        if (reject is not null && string.IsNullOrWhiteSpace(reason)) throw new UsageException("campaign review --reject needs --reason R");
        if (approve is null && reject is null && reason is not null) throw new UsageException("campaign review: --reason goes with --approve or --reject");
        var view = (approve ?? reject) is { } variant
            ? await api.PostAsync<ReviewView>(path, new ReviewEndpoints.ReviewRequest(variant, approve is not null ? "approve" : "reject", reason))
            : await api.GetAsync<ReviewView>(path);
        Console.Write(json ? CliJson.Of(view) : Text(view));
        return view.Approved ? 0 : 3;
    }

    private static string Text(ReviewView v)
    {
        var open = v.Variants.Count(x => x.State != CopyReview.Approved);
        return TextTable.Render(["VARIANT", "LOCALE", "KIND", "STATE", "SAFETY", "BY", "WHY", "TEXT"],
                   v.Variants.Select(x => (IReadOnlyList<string>)[x.Id, x.Locale.Length == 0 ? "default" : x.Locale, x.Kind, x.State,
                       x.Safety.Count == 0 ? "ok" : string.Join(',', x.Safety), x.By is null ? "-" : $"{x.By} ({x.Role})",
                       string.IsNullOrEmpty(x.Why) ? "-" : x.Why, x.Text]))
               + (open == 0 ? $"{v.CampaignId} v{v.Version}: every variant approved\n" : $"{v.CampaignId} v{v.Version}: {open} of {v.Variants.Count} variant(s) not approved\n");
    }
}
