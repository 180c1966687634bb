using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Campaigns;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Telemetry;
using Fleet.Shared.Tokens;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Cloud.Reports;

/// <summary>HTTP: <c>GET /api/v1/reports/campaigns/{id}?since=7d&amp;version=V</c> (viewer and up), read straight from the database.</summary>
public static class ReportEndpoints
{
    public const string DefaultSince = "7d";

    public static void MapReports(this RouteGroupBuilder api) =>
        api.MapGet("/reports/campaigns/{id}", async ([FromRoute(Name = "id")] CampaignId campaign, string? since, string? version, ReportStore reports,
                IRequiredActor<CampaignStore> campaigns, CancellationToken ct) =>
            {
                var id = campaign.Value;
                if (version is not null && TelemetryText.Version(version) != version) return ApiResults.BadRequest($"version '{version}' is not a version");
                if (ParseSince(since) is not { } window) return ApiResults.BadRequest(SinceError(since));
                var now = DateTimeOffset.UtcNow;
                var rows = await Task.Run(() => reports.Read(id, now - window, version), ct);
                if (rows.Count == 0 && !await Task.Run(() => reports.Knows(id), ct)
                    && await CampaignEndpoints.FindCampaignAsync(campaigns, id, ct) is null)
                    return ApiResults.NotFound($"campaign '{id}' is not published and no device reported outcomes for it");
                return ApiResults.Ok(LiftReportBuilder.Build(id, now - window, now, rows));
            })
            .RequireRole(TokenRoles.Viewer).WithName("getCampaignReport").WithTags("reports")
            .WithSummary("Personalised vs holdout per campaign version: impressions, CTR, VTR, engagement, quartile reach, lift with 95 % intervals, sample size")
            .Produces<CampaignLiftReport>().Errors(400, 404);

    /// <summary>A report window in <see cref="Durations"/> syntax (at least a minute); seven days when not given.</summary>
    public static TimeSpan? ParseSince(string? s) =>
        string.IsNullOrWhiteSpace(s) ? TimeSpan.FromDays(7) : Durations.Parse(s) is { } d && d >= TimeSpan.FromMinutes(1) ? d : null;

    public static string SinceError(string? s) => $"since '{s}' is not a duration of at least 1m like 90m, 12h, 7d";
}
