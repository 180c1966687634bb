using System.Text.Json;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Devices;
using Fleet.Cloud.Reports;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Learning;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;
using Fleet.Shared.Tokens;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Cloud.Learning;

/// <summary>
/// HTTP: <c>GET /api/v1/campaigns/{id}/prior?version=N</c> (device and viewer): what the fleet learnt about a campaign
/// version, merged and capped by <see cref="FleetPriors.Merge"/>, as a <see cref="SignedEnvelope"/> signed by the active
/// signing key, so a device verifies it against the trust set it already holds. Without a version: the latest one.
/// </summary>
public static class PriorEndpoints
{
    public static void MapPriors(this RouteGroupBuilder api) =>
        api.MapGet("/campaigns/{id}/prior", async ([FromRoute(Name = "id")] CampaignId campaign, string? version, ReportStore reports, SigningKeyRing keys,
                IRequiredActor<CampaignStore> campaigns, DeviceDirectory directory, HttpContext ctx, CancellationToken ct) =>
            {
                var id = campaign.Value;
                // A device reads only the priors of campaigns assigned to it, as with manifests.
                if (await DeviceAccess.DeniedAsync(ctx, directory, await campaigns.GetAsync(ct), id, null, ct) is { } denied) return denied;
                if (version is not null && TelemetryText.Version(version) != version) return ApiResults.BadRequest($"version '{version}' is not a version");
                if (version is null)
                {
                    if (await CampaignEndpoints.FindCampaignAsync(campaigns, id, ct) is not { } detail)
                        return ApiResults.NotFound($"campaign '{id}' is not published; name a version with ?version=N");
                    version = detail.Summary.LatestVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                var (rows, devices) = await Task.Run(() => reports.Learning(id, version), ct);
                if (rows.Count == 0) return ApiResults.NotFound($"nothing learnt yet for campaign '{id}' version {version}");
                var prior = new FleetPrior(id, version, DateTimeOffset.UtcNow, devices, FleetPriors.Merge(rows));
                return Results.Bytes(Sign(prior, keys).ToJsonBytes(), "application/json");
            })
            .RequireRole(TokenRoles.Viewer, TokenRoles.Device).WithName("getCampaignPrior").WithTags("campaigns")
            .WithSummary("The campaign version's fleet prior (per context bucket and copy variant: impressions, clicks, completes), signed")
            .Produces<SignedEnvelope>().Errors(400, 404);

    public static SignedEnvelope Sign(FleetPrior prior, SigningKeyRing keys) =>
        keys.Sign(JsonSerializer.SerializeToUtf8Bytes(prior, FleetJson.Options));
}
