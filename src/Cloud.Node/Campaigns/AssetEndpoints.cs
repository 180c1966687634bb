using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Devices;
using Fleet.Shared.Assets;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Campaigns;

/// <summary>HTTP: content-addressed assets with Range support (resumable downloads), and how many bytes were served.</summary>
public static class AssetEndpoints
{
    public static void MapAssets(this RouteGroupBuilder api)
    {
        api.MapGet("/assets/{sha256}", async (string sha256, HttpContext ctx, ContentStore assets, AssetTraffic traffic,
                IRequiredActor<CampaignStore> store, DeviceDirectory devices, CancellationToken ct) =>
            {
                if (!ContentStore.IsSha256(sha256)) return ApiResults.BadRequest($"'{sha256}' is not a lowercase sha256 digest");
                if (await DeviceAccess.DeniedAsync(ctx, devices, await store.GetAsync(ct), null, sha256, ct) is { } denied) return denied;
                if (!assets.Has(sha256)) return ApiResults.NotFound($"asset {sha256} is not stored");
                traffic.Request();
                // Immutable by construction: the name is the hash of the bytes.
                ctx.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
                return Results.File(traffic.Count(assets.OpenRead(sha256)), "application/octet-stream", enableRangeProcessing: true,
                    entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{sha256}\""));
            })
            .RequireRole(TokenRoles.Viewer, TokenRoles.Device).WithName("getAsset").WithTags("assets")
            .WithSummary("Asset bytes by sha256 (Range requests resume a download)").ProducesFile().Errors(400, 404);
        api.MapGet("/stats/assets", (AssetTraffic traffic) => ApiResults.Ok(traffic.Now()))
            .RequireRole(TokenRoles.Viewer).WithName("getAssetStats").WithTags("assets")
            .WithSummary("Asset bytes and requests served by this node since it started").Produces<AssetTraffic.Snapshot>();
    }
}
