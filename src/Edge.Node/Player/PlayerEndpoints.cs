using Fleet.Edge.Manifests;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Player;

/// <summary>
/// The reference kiosk player on the device's local API: <c>GET /player</c> (one self-contained page, embedded in this
/// binary, that loops ads from <c>POST /v1/render</c> and reports <c>POST /v1/events</c>) and <c>GET /player/static.mp4</c>
/// (the campaign's static creative, what the page shows before its first render answers).
/// </summary>
public static class PlayerEndpoints
{
    private const string PageResource = "Fleet.Edge.Player.player.html";

    /// <summary>Only the device itself is a source: the page must play with no network beyond the local API.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; media-src 'self'; connect-src 'self'";

    public static void MapPlayer(this WebApplication app, Func<string?, Task<CampaignInForce?>> campaigns)
    {
        var page = Page();
        app.MapGet("/player", (HttpResponse response) =>
        {
            // no-cache: a kiosk browser left open picks up the page of an upgraded agent at its next reload.
            response.Headers.CacheControl = "no-cache";
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            return Results.Bytes(page, "text/html; charset=utf-8");
        });
        app.MapGet("/player/static.mp4", async (string? campaign) =>
        {
            CampaignInForce? inForce;
            try { inForce = await campaigns(campaign); }
            catch (Shared.Cli.FleetException e) { return Results.Json(new { error = e.Message }, FleetJson.Options, statusCode: 503); }
            if (inForce is null)
                return Results.Json(new { error = campaign is null ? "this device has no campaign" : $"campaign '{campaign}' is not on this device" },
                    FleetJson.Options, statusCode: 404);
            var path = inForce.Campaign.StaticCreativePath;
            // A quarantined or not yet fetched static creative is absent: 404, the page keeps what it was playing.
            return File.Exists(path)
                ? Results.File(path, "video/mp4", enableRangeProcessing: true)
                : Results.Json(new { error = $"campaign '{inForce.Campaign.Spec.Id}' has no static creative on this device yet" }, FleetJson.Options, statusCode: 404);
        });
    }

    private static byte[] Page()
    {
        using var stream = typeof(PlayerEndpoints).Assembly.GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"{PageResource} is not embedded in fleet-edge");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
