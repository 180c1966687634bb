using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Campaigns;
using Fleet.Shared.Assets;
using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Tokens;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Models;

/// <summary>HTTP: model artifacts (<c>name@semver</c> + sha256), stored content-addressed like campaign assets.</summary>
public static class ModelEndpoints
{
    public static void MapModels(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/models").WithTags("models");
        g.MapPost("", async (string? name, string? version, HttpContext ctx, ContentStore assets, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
            {
                if (!ArtifactName.IsValid(name)) return ApiResults.BadRequest($"model name '{name}' must be 1-63 of a-z 0-9 . _ - starting with a letter or digit");
                if (!SemVer.IsValid(version)) return ApiResults.BadRequest($"model version '{version}' is not a semantic version (MAJOR.MINOR.PATCH)");
                if (ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                    limit.MaxRequestBodySize = CampaignUpload.MaxBytes;
                var stored = await assets.PutAsync(ctx.Request.Body, ct);
                if (stored.Size == 0) return ApiResults.BadRequest("model file is empty");
                var reply = await (await store.GetAsync(ct)).AskCommand<ModelPublished>(
                    new CampaignCommands.PublishModel(name!, version!, stored.Sha256, stored.Size, ctx.RequiredPrincipal().Name), CampaignPublisher.AskTimeout, ct);
                if (reply.Value is not { } m) return ApiResults.Refusal(reply.Refusal!);
                CloudAudit.Note(ctx, $"{(m.Created ? "published" : "unchanged")} {name}@{version} sha256 {stored.Sha256}");
                return ApiResults.Ok(m, m.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            })
            .RequireRole(TokenRoles.Operator).WithName("publishModel").WithSummary("Publish a model file (request body) as name@version")
            .AcceptsBinary("The model file (ONNX)").Produces<ModelPublished>(StatusCodes.Status201Created).Produces<ModelPublished>().Errors(400, 409, 413);
        g.MapGet("", async (IRequiredActor<CampaignStore> store, CancellationToken ct) =>
                ApiResults.Ok((await CampaignEndpoints.Ask<ModelList>(store, CampaignCommands.ListModels.Instance, ct)).Models))
            .RequireRole(TokenRoles.Viewer).WithName("listModels").WithSummary("List published models").Produces<List<ModelView>>();
    }
}
