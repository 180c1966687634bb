using System.Text.Json;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Devices;
using Fleet.Shared.Devices;
using Fleet.Shared.Distribution;
using Fleet.Shared.Tokens;
using static Fleet.Shared.Distribution.CampaignReplies;

namespace Fleet.Cloud.Render;

/// <summary>
/// The render contract: <c>POST /api/v1/ads/render</c> answers where the device gets the signed manifest it renders
/// from, as a URL that authorises itself (<c>?sig=</c>) and expires.
/// </summary>
public static class RenderEndpoints
{
    public static readonly string[] Modes = ["edge-first", "hybrid"];

    public sealed record RenderRequest(string? DeviceId, string? CampaignId, JsonElement? Context, string? Mode);

    public sealed record RenderAnswer(string ManifestUrl, DateTimeOffset ExpiresAt, string CampaignId, int Version, string Mode);

    public static void MapRender(this RouteGroupBuilder api)
    {
        api.MapPost("/ads/render", async (RenderRequest body, HttpContext ctx, SignedUrls urls, IRequiredActor<CampaignStore> store,
                DeviceDirectory devices, CancellationToken ct) =>
            {
                if (!DeviceId.IsValid(body.DeviceId)) return ApiResults.BadRequest($"device_id '{body.DeviceId}' is invalid");
                if (string.IsNullOrWhiteSpace(body.CampaignId)) return ApiResults.BadRequest("campaign_id is required");
                var mode = body.Mode ?? "edge-first";
                if (!Modes.Contains(mode)) return ApiResults.BadRequest($"mode '{mode}' is not one of {string.Join(", ", Modes)}");
                if (body.Context is { } c && c.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined))
                    return ApiResults.BadRequest("context must be a JSON object");
                var p = ctx.RequiredPrincipal();
                if (p.IsDevice && p.DeviceId != body.DeviceId) return ApiResults.Forbidden($"a device token for '{p.DeviceId}' cannot request renders for '{body.DeviceId}'");
                if (await devices.GetAsync(body.DeviceId!, ct) is null) return ApiResults.NotFound($"device '{body.DeviceId}' is not registered");
                var storeRef = await store.GetAsync(ct);
                if (await DeviceAccess.DeniedAsync(ctx, devices, storeRef, body.CampaignId, null, ct) is { } denied) return denied;
                if (await CampaignEndpoints.Ask<object>(store, new CampaignCommands.GetCampaign(body.CampaignId!), ct) is not CampaignDetail d)
                    return ApiResults.NotFound($"campaign '{body.CampaignId}' does not exist");
                var version = d.Summary.LatestVersion;
                var path = $"/api/v1/campaigns/{Uri.EscapeDataString(body.CampaignId!)}/versions/{version}/manifest";
                var (url, expires) = urls.Sign($"{ctx.Request.Scheme}://{ctx.Request.Host}", path, body.DeviceId);
                return ApiResults.Ok(new RenderAnswer(url, expires, body.CampaignId!, version, mode));
            })
            .RequireRole(TokenRoles.Operator, TokenRoles.Device).WithTags("render")
            .WithSummary("Render contract: where a device gets the signed manifest for a campaign (signed, expiring URL)")
            .Produces<RenderAnswer>();
    }
}
