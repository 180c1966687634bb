using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Devices;
using Fleet.Shared.Assets;
using Fleet.Shared.Commands;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Renders;

/// <summary>
/// The render contract: <c>POST /api/v1/ads/render</c> answers where the device gets the signed manifest of the campaign
/// version in force for it (assignments, canary overlays and withdrawals applied; never a staged or withdrawn version),
/// as a URL that authorises itself (<c>?sig=</c>) and expires. <c>hybrid</c> also asks for the cloud's base at the height
/// wanted. <c>context</c> is read only to refuse personal data (<see cref="RenderContextCheck"/>) and is never kept.
/// </summary>
public static class RenderEndpoints
{
    public static readonly string[] Modes = ["edge-first", "hybrid"];

    public sealed record RenderRequest(string? DeviceId, string? CampaignId, JsonElement? Context, string? Mode, string? Resolution = null);

    /// <param name="Base">Hybrid only: the base job for this version and height, and the job token the device fetches it with.</param>
    public sealed record RenderAnswer(string ManifestUrl, DateTimeOffset ExpiresAt, string CampaignId, int Version, string Mode, BaseJob? Base = null);

    public sealed record BaseJob(string JobId, string Token, DateTimeOffset ExpiresAt, int Height, RenderJobStatus Status);

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public static void MapRender(this RouteGroupBuilder api)
    {
        api.MapPost("/ads/render", async (RenderRequest body, HttpContext ctx, SignedUrls urls, IRequiredActor<CampaignStore> store, DeviceDirectory devices,
                IRequiredActor<RenderSchedulerKey> scheduler, JobTokens tokens, ContentStore assets, CancellationToken ct) =>
            {
                if (DeviceId.Invalid(body.DeviceId) is { } badDevice) return ApiResults.BadRequest(badDevice);
                if (string.IsNullOrWhiteSpace(body.CampaignId)) return ApiResults.BadRequest("campaign_id is required");
                var mode = body.Mode ?? "edge-first";
                if (mode == "cloud")
                    return ApiResults.BadRequest("mode 'cloud' is not offered here: the device chooses the copy, then asks POST /api/v1/renders/jobs; use edge-first or hybrid");
                if (!Modes.Contains(mode)) return ApiResults.BadRequest($"mode '{mode}' is not one of {string.Join(", ", Modes)}");
                if (body.Context is { } c && c.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined))
                    return ApiResults.BadRequest("context must be a JSON object");
                var height = body.Resolution is null ? null : RenderVariants.ParseHeight(body.Resolution);
                if (body.Resolution is not null && height is null)
                    return ApiResults.BadRequest($"resolution must be one of {string.Join(", ", RenderVariants.Heights.Select(x => x + "p"))}");
                var p = ctx.RequiredPrincipal();
                if (p.IsDevice && p.DeviceId != body.DeviceId) return ApiResults.Forbidden($"a device token for '{p.DeviceId}' cannot request renders for '{body.DeviceId}'");
                if (await devices.GetAsync(body.DeviceId!, ct) is not { } device) return ApiResults.NotFound($"device '{body.DeviceId}' is not registered");
                var storeRef = await store.GetAsync(ct);
                if (await DeviceAccess.DeniedAsync(ctx, devices, storeRef, body.CampaignId, null, ct) is { } denied) return denied;
                if (await CampaignEndpoints.FindCampaignAsync(store, body.CampaignId!, ct) is null)
                    return ApiResults.NotFound($"campaign '{body.CampaignId}' does not exist");

                // The version this device runs: its assigned row with rollout overlays applied; staged and withdrawn versions never.
                var table = await storeRef.Ask<AssignmentTable>(new GetAssignmentTable(body.DeviceId!), AskTimeout, ct);
                var tags = device.Facts?.Tags ?? new Dictionary<string, string>();
                if (table.For(body.DeviceId!, tags).FirstOrDefault(a => a.CampaignId == body.CampaignId) is not { } inForce)
                    return ApiResults.Conflict($"campaign '{body.CampaignId}' has no version in force for device '{body.DeviceId}' (not assigned to it, or only staged or withdrawn versions)");
                Shared.Manifests.Manifest manifest;
                Shared.Rendering.TemplateSpec template;
                try { (manifest, template) = await TemplateAsync(body.CampaignId!, inForce.Version, storeRef, assets, ct); }
                catch (FleetException e) { return ApiResults.NotFound(e.Message); }
                if (RenderContextCheck.PersonalIn(body.Context, template) is { } personal) return ApiResults.BadRequest(personal);

                var path = $"/api/v1/campaigns/{Uri.EscapeDataString(body.CampaignId!)}/versions/{inForce.Version}/manifest";
                var (url, expires) = urls.Sign($"{ctx.Request.Scheme}://{ctx.Request.Host}", path, body.DeviceId);
                var answer = new RenderAnswer(url, expires, body.CampaignId!, inForce.Version, mode);
                if (mode != "hybrid") return ApiResults.Ok(answer);

                var h = height ?? template.Height;
                var spec = new RenderJobSpec(body.CampaignId!, inForce.Version, h, new Dictionary<string, string>(), null, Base: true);
                var reply = await (await scheduler.GetAsync(ct)).AskCommand<RenderSchedulerReplies.Accepted>(new RenderSchedulerCommands.Submit(body.DeviceId!, spec, manifest.Budget.AllowCloud), AskTimeout, ct);
                if (reply.Value is not { } accepted) return ApiResults.Refusal(reply.Refusal!, prefix: "hybrid: ");
                var job = accepted.Job;
                var (token, tokenExpires) = tokens.Issue(job.JobId, body.DeviceId!, spec.CampaignId);
                return ApiResults.Ok(answer with { Base = new BaseJob(job.JobId, token, tokenExpires, h, job.Status) });
            })
            .RequireRole(TokenRoles.Operator, TokenRoles.Device).WithName("renderAd").WithTags("render")
            .WithSummary("Render contract: where a device gets the signed manifest of the campaign version in force for it (signed, expiring URL)")
            .WithDescription("The version is the device's assigned one with canary overlays applied, never a staged or withdrawn one (409 when there is none). " +
                             "mode edge-first (default): the manifest only; hybrid: also the cloud's base job at resolution (default: the template's) with its job token; " +
                             "cloud and anything else: 400. context is never stored, logged or forwarded: a context carrying user_id, or fields the template marks pii, " +
                             "is refused with 400 (personal data stays on the device).")
            .Produces<RenderAnswer>().Errors(400, 404, 409, 429);
    }

    private static async Task<(Shared.Manifests.Manifest, Shared.Rendering.TemplateSpec)> TemplateAsync(string campaignId, int version, IActorRef store,
        ContentStore assets, CancellationToken ct)
    {
        var manifest = await WorkerRenderer.ManifestOfAsync(campaignId, version, store, ct);
        return (manifest, WorkerRenderer.TemplateOf(manifest, assets));
    }
}
