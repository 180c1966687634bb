using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Shared.Devices;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Telemetry;

/// <summary>HTTP: <c>GET /api/v1/telemetry?device=&amp;campaign=&amp;cohort=&amp;since=10m</c>.</summary>
public static class TelemetryEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public static void MapTelemetry(this RouteGroupBuilder api) =>
        api.MapGet("/telemetry", async (DeviceId? device, string? campaign, string? cohort, string? since, IRequiredActor<TelemetryIngestKey> ingest, CancellationToken ct) =>
        {
            if (campaign is not null && !TelemetryText.IsId(campaign)) return ApiResults.BadRequest($"campaign '{campaign}' is not an id");
            if (cohort is not null && !TelemetryText.IsId(cohort)) return ApiResults.BadRequest($"cohort '{cohort}' is not an id");
            if (TelemetryQuery.ParseSince(since) is not { } window) return ApiResults.BadRequest($"since '{since}' is not a duration like 30s, 10m, 2h, 7d");
            var actor = await ingest.GetAsync(ct);
            var report = await actor.Ask<TelemetryReport>(new TelemetryProtocol.Query(device?.Value, campaign, cohort, (long)window.TotalSeconds), AskTimeout, ct);
            return ApiResults.Ok(report);
        })
        .WithName("queryTelemetry").WithTags("telemetry").WithSummary("Telemetry totals and series, by device, campaign or cohort, over the last since (default 10m)")
        .Produces<TelemetryReport>().Errors(400);
}
