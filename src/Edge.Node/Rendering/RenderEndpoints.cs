using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Shared.Http;
using Fleet.Shared.Rendering;
using Fleet.Shared.Serialization;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>
/// The kiosk player's API on the device: <c>POST /v1/render</c> (context in; render id, MP4 URL, measurement arm,
/// chosen copy, timings and fallbacks out) and <c>GET /v1/renders/{id}.mp4</c>. Every ad made is remembered in the
/// <see cref="Player.RenderLedger"/> under its render id, which the player's events (<c>POST /v1/events</c>) name.
/// </summary>
public static class RenderEndpoints
{
    /// <summary><see cref="Mode"/>: <c>edge-first</c> (default) or <c>cloud</c>; <see cref="Resolution"/>: e.g. <c>1080p</c> (default: the template's).</summary>
    public sealed record RenderBody(string? CampaignId, RenderContext? Context, string? Headline, string? Cta, bool NoCache = false,
        string? Mode = null, string? Resolution = null);

    /// <param name="RenderId">Names this ad in player events; null when no ad could be made.</param>
    /// <param name="Arm"><c>personalised</c>, or <c>holdout</c> when the campaign's holdout share chose the static creative.</param>
    /// <param name="Error">Set when no ad could be made (status 500): the same <c>error</c> field as every other error answer.</param>
    public sealed record RenderReply(string Url, RenderOutcome Outcome, string? RenderId = null, string? Arm = null, string? Error = null);

    /// <summary>Finished ads kept for the player; older ones are removed.</summary>
    internal const int KeptRenders = 50;

    public static void MapRenders(this WebApplication app, Func<string?, Task<Manifests.CampaignInForce?>> campaigns, RenderSettings settings,
        Player.RenderLedger ledger, Privacy.UserIdHasher hasher, RenderGate gate)
    {
        var outDir = Directory.CreateDirectory(Path.Combine(settings.DataDir, "renders", "out")).FullName;
        app.MapPost("/v1/render", async (HttpRequest request, IRequiredActor<RenderCoordinator> render) =>
        {
            // The same snake_case JSON as every Fleet API (campaign_id, no_cache), read explicitly for a clear 400.
            RenderBody body;
            try { body = await request.ReadFromJsonAsync<RenderBody>(FleetJson.Options) ?? new RenderBody(null, null, null, null); }
            catch (JsonException) { return JsonErrors.Error(400, "body is not JSON {campaign_id?, context?, headline?, cta?, no_cache?}"); }
            // Before anything that waits: a device already rendering its limit answers at once.
            using var slot = gate.TryEnter();
            if (slot is null)
                return JsonErrors.TooManyRequests($"{gate.Limit} renders are in progress (--max-concurrent-renders); try again shortly", RenderGate.RetryAfter);
            Manifests.CampaignInForce? inForce;
            try { inForce = await campaigns(body.CampaignId); }
            catch (Shared.Cli.FleetException e) { return JsonErrors.Error(503, e.Message); }
            if (inForce is null)
                return JsonErrors.Error(404, body.CampaignId is null ? "this device has no campaign to render" : $"campaign '{body.CampaignId}' is not on this device");
            var mode = body.Mode ?? Delegation.EdgeFirst;
            if (!Delegation.Modes.Contains(mode))
                return JsonErrors.Error(400, $"mode '{mode}' is not one of {string.Join(", ", Delegation.Modes)}");
            var height = body.Resolution is null ? (int?)null : Shared.RenderJobs.RenderVariants.ParseHeight(body.Resolution);
            if (body.Resolution is not null && height is null)
                return JsonErrors.Error(400, $"resolution '{body.Resolution}' is not one of {string.Join(", ", Shared.RenderJobs.RenderVariants.Heights.Select(h => h + "p"))}");
            var id = Guid.NewGuid().ToString("N")[..12];
            var path = Path.Combine(outDir, id + ".mp4");
            var context = body.Context ?? new RenderContext();
            var spec = inForce.Campaign.Spec;
            // An operator preview shows the copy asked for; only the bandit's own choices are split into arms.
            var preview = body.Headline is not null || body.Cta is not null;
            var arm = preview ? Shared.Telemetry.ArmCounts.Personalised : Player.Holdout.ArmOf(spec.Id, id, spec.Holdout);
            var bucket = Personalisation.Bandit.ContextBucket.Of(context, DateTimeOffset.Now);
            var ad = new RenderAd(inForce.Campaign, context, path, body.Headline, body.Cta, !body.NoCache,
                inForce.Version, inForce.Model, mode, height, inForce.Expected, arm == Shared.Telemetry.ArmCounts.Holdout, bucket);
            var outcome = await render.ActorRef.Ask<RenderOutcome>(ad, settings.ReplyTimeout);
            Prune(outDir, keep: path);
            if (outcome.Error is not null) return Results.Json(new RenderReply($"/v1/renders/{id}.mp4", outcome, Error: outcome.Error), FleetJson.Options, statusCode: 500);
            var userHash = context.UserId is { Length: > 0 } user ? hasher.Hash(user) : null;
            ledger.Remember(Player.ShownRenders.From(id, outcome, ad, arm, bucket, userHash, DateTimeOffset.UtcNow));
            return Results.Json(new RenderReply($"/v1/renders/{id}.mp4", outcome, id, arm), FleetJson.Options, statusCode: 200);
        }).AcceptsJsonOnly();
        app.MapGet("/v1/renders/{file}", (string file) =>
        {
            var name = Path.GetFileName(file);
            var path = Path.Combine(outDir, name);
            return name == file && name.EndsWith(".mp4", StringComparison.Ordinal) && File.Exists(path)
                ? Results.File(path, "video/mp4", enableRangeProcessing: true)
                : JsonErrors.Error(404, $"no render {file}");
        });
    }

    /// <summary>Keeps the newest renders; never the one about to be answered, whatever its file time says.</summary>
    internal static void Prune(string dir, string keep)
    {
        foreach (var old in new DirectoryInfo(dir).GetFiles("*.mp4").Where(f => f.FullName != Path.GetFullPath(keep))
                     .OrderByDescending(f => f.LastWriteTimeUtc).Skip(KeptRenders - 1))
            try { old.Delete(); } catch (IOException) { }
    }
}
