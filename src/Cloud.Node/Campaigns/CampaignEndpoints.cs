using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Devices;
using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Tokens;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Campaigns;

/// <summary>HTTP: publish (operator), list/show/versions (viewer), signed manifests (viewer, assigned device, signed URL), assignments (operator).</summary>
public static class CampaignEndpoints
{
    public sealed record AssignRequest(Dictionary<string, string>? Tags);

    public static void MapCampaigns(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/campaigns").WithTags("campaigns");
        g.MapPost("", async (HttpContext ctx, string? model, bool? staged, CampaignPublisher publisher, CancellationToken ct) =>
            {
                CommandResult<Published> reply;
                try { reply = await publisher.PublishAsync(ctx.Request, model, staged == true, ctx.RequiredPrincipal().Name, ct); }
                catch (FleetException e) { return ApiResults.BadRequest(e.Message); }
                if (reply.Value is not { } p) return ApiResults.Refusal(reply.Refusal!);
                CloudAudit.Note(ctx, p.Created ? $"created {p.CampaignId} v{p.Version}{(staged == true ? " (staged)" : "")}" : $"unchanged, {p.CampaignId} v{p.Version}");
                return ApiResults.Ok(p, p.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            })
            .RequireRole(TokenRoles.Operator).DisableAntiforgery().WithName("publishCampaign")
            .AcceptsFolder("The campaign folder: campaign.json, the template and its assets")
            .WithSummary("Publish a campaign folder (multipart/form-data, one part per file named by its path); same content twice returns the existing version; staged=true keeps it from devices until a rollout")
            .Produces<Published>(StatusCodes.Status201Created).Produces<Published>().Errors(400, 404, 409, 413);
        g.MapGet("", async (IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                ApiResults.Ok((await Ask<CampaignList>(store, CampaignCommands.ListCampaigns.Instance, ct)).Campaigns))
            .RequireRole(TokenRoles.Viewer).WithName("listCampaigns").WithSummary("List campaigns").Produces<List<CampaignSummary>>();
        g.MapGet("/{id}", async (CampaignId id, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                await FindCampaignAsync(store, id.Value, ct) is { } d ? ApiResults.Ok(d) : ApiResults.NotFound($"campaign '{id}' does not exist"))
            .RequireRole(TokenRoles.Viewer).WithName("getCampaign").WithSummary("One campaign with its versions").Produces<CampaignDetail>().Errors(404);
        g.MapGet("/{id}/versions", async (CampaignId id, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                await FindCampaignAsync(store, id.Value, ct) is { } d ? ApiResults.Ok(d.Versions) : ApiResults.NotFound($"campaign '{id}' does not exist"))
            .RequireRole(TokenRoles.Viewer).WithName("listCampaignVersions").WithSummary("Immutable numbered versions of a campaign").Produces<List<VersionView>>().Errors(404);
        g.MapGet("/{id}/versions/{version:int}/manifest", async (CampaignId id, int version, HttpContext ctx, IRequiredActor<CampaignStore> store, DeviceDirectory devices, CancellationToken ct) =>
            {
                var storeRef = await store.GetAsync(ct);
                if (await DeviceAccess.DeniedAsync(ctx, devices, storeRef, id.Value, null, ct) is { } denied) return denied;
                var reply = await storeRef.AskCommand<ManifestJson>(new CampaignCommands.GetManifest(id.Value, version), CampaignPublisher.AskTimeout, ct);
                return reply.Value is { } m ? Results.Text(m.EnvelopeJson, "application/json") : ApiResults.Refusal(reply.Refusal!);
            })
            .RequireRole(TokenRoles.Viewer, TokenRoles.Device, SignedUrlRole)
            .WithName("getCampaignManifest").WithSummary("The signed manifest (ES256 envelope) of one version").Produces<Fleet.Shared.Security.SignedEnvelope>().Errors(404, 410);
        g.MapPost("/{id}/assignments", async (CampaignId id, AssignRequest body, HttpContext ctx, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
            {
                var tags = body.Tags ?? new Dictionary<string, string>();
                var reply = await (await store.GetAsync(ct)).AskCommand<Assigned>(new CampaignCommands.Assign(id.Value, tags, ctx.RequiredPrincipal().Name), CampaignPublisher.AskTimeout, ct);
                if (reply.Value is not { } a) return ApiResults.Refusal(reply.Refusal!);
                CloudAudit.Note(ctx, $"{id} v{a.Version} to {(tags.Count == 0 ? "all devices" : string.Join(',', tags.Select(t => $"{t.Key}={t.Value}")))}");
                return ApiResults.Ok(a);
            })
            .RequireRole(TokenRoles.Operator).WithName("assignCampaign")
            .WithSummary("Assign a campaign (newest version, now and later) to all devices or those matching every tag").Produces<Assigned>().Errors(404, 409);
        g.MapGet("/{id}/status", async (CampaignId id, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                ApiResults.Ok((await Ask<SyncStatus>(store, new CampaignCommands.GetSyncStatus(id.Value), ct)).Devices))
            .RequireRole(TokenRoles.Viewer).WithName("getCampaignStatus").WithSummary("Which version each device runs and what it rejected").Produces<List<DeviceSyncReport>>();
    }

    /// <summary>Pseudo-role of a request authorised by a <c>?sig=</c> signed URL for exactly its path.</summary>
    public const string SignedUrlRole = ApiPrincipal.SignedUrl;

    internal static async Task<T> Ask<T>(IRequiredActor<CampaignStore> store, object message, CancellationToken ct) =>
        await (await store.GetAsync(ct)).Ask<T>(message, CampaignPublisher.AskTimeout, ct);

    /// <summary>The campaign with its versions, or null when the store has no campaign of that id.</summary>
    internal static async Task<CampaignDetail?> FindCampaignAsync(IRequiredActor<CampaignStore> store, string id, CancellationToken ct) =>
        (await (await store.GetAsync(ct)).AskCommand<CampaignDetail>(new CampaignCommands.GetCampaign(id), CampaignPublisher.AskTimeout, ct)).Value;
}
