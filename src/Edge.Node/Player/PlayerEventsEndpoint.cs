using System.Text.Json;
using Akka.Actor;
using Fleet.Shared.Http;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Player;

/// <summary>
/// <c>POST /v1/events {render_id, kind, dwell_ms?}</c>: the kiosk player's report about a shown ad. Kinds:
/// <c>impression_start</c>, <c>q25</c>, <c>q50</c>, <c>q75</c>, <c>complete</c>, <c>click</c>, <c>scan</c>,
/// <c>dwell</c> (with <c>dwell_ms</c>). Answers 202 <c>{counted: true, slots}</c> when something was counted (published
/// as a <see cref="PlayerOutcome"/> for the bandit and telemetry), 200 <c>{counted: false}</c> for a duplicate (a flood
/// of clicks counts once per impression and costs no write), 404 for a render id the device does not know or that
/// expired, 400 for a malformed body. Ordering rules: <see cref="PlayerEventKinds"/>.
/// </summary>
public static class PlayerEventsEndpoint
{
    public sealed record PlayerEventBody(string? RenderId, string? Kind, long? DwellMs);

    public sealed record Reply(bool Counted, string RenderId, string Kind, IReadOnlyList<string> Slots, string Arm);

    /// <summary>Validates and counts one event; the HTTP layer only parses. Returns the status code and the JSON answer.</summary>
    public static (int Status, object Body) Handle(PlayerEventBody body, RenderLedger ledger, Action<PlayerOutcome> publish, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(body.RenderId)) return Bad("render_id is required (the id POST /v1/render answered with)");
        if (body.Kind is null || !PlayerEventKinds.All.Contains(body.Kind))
            return Bad($"kind must be one of {string.Join(", ", PlayerEventKinds.All)}");
        long dwell = 0;
        if (body.Kind == PlayerEventKinds.Dwell)
        {
            if (body.DwellMs is not { } ms || ms < 0 || ms > PlayerEventKinds.MaxDwellMs)
                return Bad($"dwell needs dwell_ms, 0..{PlayerEventKinds.MaxDwellMs}");
            dwell = ms;
        }
        switch (ledger.Count(body.RenderId, body.Kind))
        {
            case EventVerdict.Unknown:
                return (404, new ApiError($"render '{body.RenderId}' is unknown on this device; nothing counted"));
            case EventVerdict.Expired:
                return (404, new ApiError($"render '{body.RenderId}' expired (events count within {ledger.Expiry.TotalHours:0.#} h of the render); nothing counted"));
            case EventVerdict.Accepted { Newly.Count: 0 } dup:
                return (200, new Reply(false, body.RenderId, body.Kind, [], dup.Render.Arm));
            case EventVerdict.Accepted ok:
                publish(new PlayerOutcome(ok.Render, ok.Newly, dwell, now));
                return (202, new Reply(true, body.RenderId, body.Kind, ok.Newly, ok.Render.Arm));
            default:
                throw new InvalidOperationException("unreachable");
        }
    }

    /// <summary>Maps the route; the legacy body shape (no render id) goes to <paramref name="legacy"/>.</summary>
    public static void MapPlayerEvents(this WebApplication app, RenderLedger ledger, Func<HttpRequest, JsonElement, Task<IResult>> legacy)
    {
        app.MapPost("/v1/events", async (HttpRequest request, ActorSystem system, CancellationToken ct) =>
        {
            JsonElement json;
            try { json = await request.ReadFromJsonAsync<JsonElement>(FleetJson.Options, ct); }
            catch (JsonException) { return Json(Bad("body is not JSON {render_id, kind, dwell_ms?}")); }
            if (json.ValueKind != JsonValueKind.Object) return Json(Bad("body must be a JSON object {render_id, kind, dwell_ms?}"));
            if (!json.TryGetProperty("render_id", out _) && json.TryGetProperty("campaign_id", out _)) return await legacy(request, json);
            PlayerEventBody body;
            try { body = json.Deserialize<PlayerEventBody>(FleetJson.Options)!; }
            catch (JsonException) { return Json(Bad("render_id and kind must be strings, dwell_ms a whole number")); }
            return Json(Handle(body, ledger, system.EventStream.Publish, DateTimeOffset.UtcNow));
        }).AcceptsJsonOnly();
    }

    private static (int, object) Bad(string message) => (400, new ApiError(message));

    private static IResult Json((int Status, object Body) r) => Results.Json(r.Body, FleetJson.Options, statusCode: r.Status);
}
