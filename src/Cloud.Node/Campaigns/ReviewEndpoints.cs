using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Tokens;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Campaigns;

/// <summary>HTTP: the copy review of a campaign version (viewer reads; operator approves or rejects one variant, with a reason).</summary>
public static class ReviewEndpoints
{
    /// <param name="Variant">The copy variant's id (unique across the version's pools).</param>
    /// <param name="Decision"><c>approve</c> or <c>reject</c>.</param>
    /// <param name="Reason">Why; required for a rejection.</param>
    public sealed record ReviewRequest(string? Variant, string? Decision, string? Reason);

    public static void MapCopyReview(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/campaigns").WithTags("campaigns");
        g.MapGet("/{id}/versions/{version:int}/review", async (CampaignId id, int version, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                Answer(await CampaignEndpoints.Ask<ReviewAnswer>(store, new CampaignCommands.GetReview(id.Value, version), ct)))
            .RequireRole(TokenRoles.Viewer).WithName("getCopyReview")
            .WithSummary("Every copy variant of a version (all locale pools) with its review state and the safety filter's verdict")
            .Produces<ReviewView>().Errors(404);
        g.MapPost("/{id}/versions/{version:int}/review", async (CampaignId id, int version, ReviewRequest body, HttpContext ctx, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(body.Variant)) return ApiResults.BadRequest("variant is required");
                if (body.Decision is not ("approve" or "reject")) return ApiResults.BadRequest($"decision '{body.Decision}' is not approve or reject");
                var who = ctx.RequiredPrincipal();
                var approve = body.Decision == "approve";
                var answer = await CampaignEndpoints.Ask<ReviewAnswer>(store,
                    new CampaignCommands.ReviewVariant(id.Value, version, body.Variant, approve, who.Name, who.Role, body.Reason ?? ""), ct);
                if (answer.Review is not null)
                    CloudAudit.Note(ctx, $"{id} v{version} variant {body.Variant} {(approve ? "approved" : "rejected")} by {who.Name} ({who.Role}): {body.Reason?.Trim()}");
                return Answer(answer);
            })
            .RequireRole(TokenRoles.Operator).WithName("reviewCopyVariant")
            .WithSummary("Approve or reject one copy variant of a version; a rejection needs a reason")
            .Produces<ReviewView>().Errors(400, 404);
        g.MapGet("/{id}/versions/{version:int}/review/{variant}/frame", (CampaignId id, int version, string variant, IRequiredActor<CampaignStore> store,
                ReviewFrames frames, ContentStore assets, CancellationToken ct) =>
                VariantFileAsync(id.Value, version, variant, store, assets, "image/jpeg", (v, campaigns) => frames.FrameAsync(id.Value, version, v, campaigns, ct), ct))
            .RequireRole(TokenRoles.Viewer).WithName("getCopyVariantFrame")
            .WithSummary($"A still (JPEG, {ReviewFrames.Height}p) of one copy variant in the version's template, rendered by this node once and kept")
            .ProducesFile("image/jpeg").Errors(404, 409);
        g.MapGet("/{id}/versions/{version:int}/review/{variant}/clip", (CampaignId id, int version, string variant, IRequiredActor<CampaignStore> store,
                ReviewFrames frames, ContentStore assets, CancellationToken ct) =>
                VariantFileAsync(id.Value, version, variant, store, assets, "video/mp4", (v, campaigns) => frames.ClipAsync(id.Value, version, v, campaigns, ct), ct))
            .RequireRole(TokenRoles.Viewer).WithName("getCopyVariantClip")
            .WithSummary($"One copy variant rendered into the version's template (MP4, {ReviewFrames.Height}p) by this node once and kept: a preview of that copy")
            .ProducesFile("video/mp4").Errors(404, 409);
    }

    private static async Task<IResult> VariantFileAsync(string id, int version, string variant, IRequiredActor<CampaignStore> store, ContentStore assets,
        string mediaType, Func<VariantReview, Akka.Actor.IActorRef, Task<string>> make, CancellationToken ct)
    {
        var answer = await CampaignEndpoints.Ask<ReviewAnswer>(store, new CampaignCommands.GetReview(id, version), ct);
        if (answer.Review is null) return Answer(answer);
        if (answer.Review.Variants.FirstOrDefault(v => v.Id == variant) is not { } found)
            return ApiResults.NotFound($"{id} v{version} has no copy variant '{variant}'");
        string sha;
        try { sha = await make(found, await store.GetAsync(ct)); }
        catch (FleetException e) { return ApiResults.Conflict($"{variant} could not be rendered: {e.Message}"); }
        return Results.File(assets.OpenRead(sha), mediaType, enableRangeProcessing: true,
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{sha}\""));
    }

    private static IResult Answer(ReviewAnswer a) => a.Review is { } view ? ApiResults.Ok(view) : ApiResults.Error(a.Status, a.Error ?? "no review");
}
