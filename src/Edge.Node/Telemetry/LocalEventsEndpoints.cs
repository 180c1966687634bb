using Akka.Actor;
using Akka.Hosting;
using System.Text.Json;
using Fleet.Edge.Player;
using Fleet.Edge.Privacy;
using Fleet.Shared.Http;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Telemetry;

/// <summary>
/// Local API for the kiosk player: <c>POST /v1/events</c> (player events by render id, see
/// <see cref="Player.PlayerEventsEndpoint"/>; the legacy body <c>{campaign_id, variant_id, kind: impression|click}</c>
/// still counts in telemetry, credited to the campaign's latest render group, and never teaches the bandit) and
/// <c>POST /v1/renders</c> (a render finished outside the agent, e.g. offline renders and tests). A raw user id is
/// salted-hashed here, at the door; it is never stored, logged or forwarded.
/// </summary>
public static class LocalEventsEndpoints
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    public sealed record EventBody(string? CampaignId, string? VariantId, string? Kind, string? UserId);

    public static void MapLocalEvents(this WebApplication app, UserIdHasher hasher, Player.RenderLedger ledger)
    {
        app.MapPlayerEvents(ledger, async (request, json) =>
        {
            var telemetry = request.HttpContext.RequestServices.GetRequiredService<IRequiredActor<TelemetryActorKey>>();
            var ct = request.HttpContext.RequestAborted;
            EventBody? body;
            try { body = json.Deserialize<EventBody>(FleetJson.Options); }
            catch (System.Text.Json.JsonException) { return Error("body is not JSON {campaign_id, variant_id, kind, user_id?}"); }
            if (body is null) return Error("empty body");
            if (!TelemetryText.IsId(body.CampaignId)) return Error("campaign_id must be an id ([A-Za-z0-9._:-], at most 80)");
            if (!TelemetryText.IsId(body.VariantId)) return Error("variant_id must be an id ([A-Za-z0-9._:-], at most 80)");
            InteractionKind kind;
            if (body.Kind == "impression") kind = InteractionKind.Impression;
            else if (body.Kind == "click") kind = InteractionKind.Click;
            else return Error("legacy events (campaign_id, no render_id) take kind impression or click; send {render_id, kind} instead");
            var hash = string.IsNullOrWhiteSpace(body.UserId) ? null : hasher.Hash(body.UserId);
            var interaction = new Interaction(body.CampaignId!, body.VariantId!, kind, hash);
            await (await telemetry.GetAsync(ct)).Ask<Recorded>(new Recorded.Confirm(interaction), StoreTimeout, ct);
            return Results.Json(new { recorded = true }, statusCode: 202);
        });
        app.MapPost("/v1/renders", async (HttpRequest request, IRequiredActor<TelemetryActorKey> telemetry, CancellationToken ct) =>
        {
            RenderEvent? e;
            try { e = await request.ReadFromJsonAsync<RenderEvent>(FleetJson.Options, ct); }
            catch (System.Text.Json.JsonException) { return Error("body is not a render event"); }
            if (e is null || e.StageMs is null || e.Fallbacks is null || string.IsNullOrEmpty(e.CampaignId)) return Error("render event lacks campaign_id, stage_ms or fallbacks");
            await (await telemetry.GetAsync(ct)).Ask<Recorded>(new Recorded.Confirm(e), StoreTimeout, ct);
            return Results.Json(new { recorded = true }, statusCode: 202);
        }).AcceptsJsonOnly();
    }

    private static IResult Error(string message) => JsonErrors.Error(400, message);
}
