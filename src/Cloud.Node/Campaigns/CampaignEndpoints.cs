using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Devices;
using Fleet.Shared.Cli;
using Fleet.Shared.Distribution;
using Fleet.Shared.Tokens;
using static Fleet.Shared.Distribution.CampaignReplies;
using Fleet.Shared.Http;

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
                object reply;
                try { reply = await publisher.PublishAsync(ctx.Request, model, staged == true, ctx.RequiredPrincipal().Name, ct); }
                catch (FleetException e) { return ApiResults.BadRequest(e.Message); }
                if (reply is not Published p) return Refusal(reply);
                CloudAudit.Note(ctx, p.Created ? $"created {p.CampaignId} v{p.Version}{(staged == true ? " (staged)" : "")}" : $"unchanged, {p.CampaignId} v{p.Version}");
                return ApiResults.Ok(p, p.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            })
            .RequireRole(TokenRoles.Operator).DisableAntiforgery()
            .WithSummary("Publish a campaign folder (multipart/form-data, one part per file named by its path); same content twice returns the existing version; staged=true keeps it from devices until a rollout")
            .Produces<Published>(StatusCodes.Status201Created).Produces<ApiError>(StatusCodes.Status400BadRequest);
        g.MapGet("", async (IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                ApiResults.Ok((await Ask<CampaignList>(store, CampaignCommands.ListCampaigns.Instance, ct)).Campaigns))
            .RequireRole(TokenRoles.Viewer).WithSummary("List campaigns").Produces<List<CampaignSummary>>();
        g.MapGet("/{id}", async (string id, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                await FindCampaignAsync(store, id, ct) is { } d ? ApiResults.Ok(d) : ApiResults.NotFound($"campaign '{id}' does not exist"))
            .RequireRole(TokenRoles.Viewer).WithSummary("One campaign with its versions").Produces<CampaignDetail>();
        g.MapGet("/{id}/versions", async (string id, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                await FindCampaignAsync(store, id, ct) is { } d ? ApiResults.Ok(d.Versions) : ApiResults.NotFound($"campaign '{id}' does not exist"))
            .RequireRole(TokenRoles.Viewer).WithSummary("Immutable numbered versions of a campaign").Produces<List<VersionView>>();
        g.MapGet("/{id}/versions/{version:int}/manifest", async (string id, int version, HttpContext ctx, IRequiredActor<CampaignStore> store, DeviceDirectory devices, CancellationToken ct) =>
            {
                var storeRef = await store.GetAsync(ct);
                if (await DeviceAccess.DeniedAsync(ctx, devices, storeRef, id, null, ct) is { } denied) return denied;
                var reply = await storeRef.Ask<object>(new CampaignCommands.GetManifest(id, version), CampaignPublisher.AskTimeout, ct);
                return reply is ManifestJson m ? Results.Text(m.EnvelopeJson, "application/json") : Refusal(reply);
            })
            .RequireRole(TokenRoles.Viewer, TokenRoles.Device, SignedUrlRole)
            .WithSummary("The signed manifest (ES256 envelope) of one version").Produces<string>(contentType: "application/json");
        g.MapPost("/{id}/assignments", async (string id, AssignRequest body, HttpContext ctx, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
            {
                var tags = body.Tags ?? new Dictionary<string, string>();
                var reply = await Ask<object>(store, new CampaignCommands.Assign(id, tags, ctx.RequiredPrincipal().Name), ct);
                if (reply is not Assigned a) return Refusal(reply);
                CloudAudit.Note(ctx, $"{id} v{a.Version} to {(tags.Count == 0 ? "all devices" : string.Join(',', tags.Select(t => $"{t.Key}={t.Value}")))}");
                return ApiResults.Ok(a);
            })
            .RequireRole(TokenRoles.Operator).WithSummary("Assign a campaign (newest version, now and later) to all devices or those matching every tag").Produces<Assigned>();
        g.MapGet("/{id}/status", async (string id, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                ApiResults.Ok((await Ask<SyncStatus>(store, new CampaignCommands.GetSyncStatus(id), ct)).Devices))
            .RequireRole(TokenRoles.Viewer).WithSummary("Which version each device runs and what it rejected").Produces<List<DeviceSyncReport>>();
    }

    /// <summary>Pseudo-role of a request authorised by a <c>?sig=</c> signed URL for exactly its path.</summary>
    public const string SignedUrlRole = "signed-url";

    internal static async Task<T> Ask<T>(IRequiredActor<CampaignStore> store, object message, CancellationToken ct) =>
        await (await store.GetAsync(ct)).Ask<T>(message, CampaignPublisher.AskTimeout, ct);

    /// <summary>The campaign with its versions, or null when the store has no campaign of that id.</summary>
    internal static async Task<CampaignDetail?> FindCampaignAsync(IRequiredActor<CampaignStore> store, string id, CancellationToken ct) =>
        await Ask<object>(store, new CampaignCommands.GetCampaign(id), ct) as CampaignDetail;

    internal static IResult Refusal(object reply) =>
        reply is Refused r ? ApiResults.Error(r.Status, r.Reason) : ApiResults.Error(StatusCodes.Status500InternalServerError, $"unexpected answer {reply.GetType().Name}");
}
