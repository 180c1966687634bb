using Akka.Actor;
using Akka.Hosting;
using Fleet.Edge.Manifests;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Rendering;
using Fleet.Shared.Http;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Hosting;

/// <summary>
/// What the device's local API is as a service, apart from its endpoints: one JSON error shape for every status,
/// a body limit, CORS for the player origins the operator names, and readiness for a load balancer or a watchdog.
/// </summary>
internal static class LocalApi
{
    /// <summary>The local API takes small JSON bodies; a larger one is refused (413) before it is read whole.</summary>
    public const long MaxBodyBytes = 1 << 20;

    private static readonly TimeSpan ModelAskTimeout = TimeSpan.FromSeconds(5);

    public static void Configure(WebApplicationBuilder builder, EdgeOptions o)
    {
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxBodyBytes);
        if (o.CorsOrigins.Count > 0)
            builder.Services.AddCors(c => c.AddDefaultPolicy(p => p.WithOrigins([.. o.CorsOrigins])
                .WithMethods(HttpMethods.Get, HttpMethods.Post).WithHeaders("content-type").SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
    }

    /// <summary>Errors outermost (they shape whatever is answered inside), then CORS, which also answers preflights.</summary>
    public static void UseMiddleware(WebApplication app, EdgeOptions o)
    {
        app.Use(JsonErrors.Middleware);
        if (o.CorsOrigins.Count > 0) app.UseCors();
    }

    /// <summary>
    /// <c>GET /readyz</c>: 200 once the device can make an ad (a campaign in force, the personalisation model loaded),
    /// else 503 with the reason. <c>/healthz</c> stays liveness: a device waiting for its first campaign is alive.
    /// </summary>
    public static void MapReadiness(WebApplication app, Func<string?, Task<CampaignInForce?>> campaigns)
    {
        app.MapGet("/readyz", async (IRequiredActor<RenderCoordinator> render) =>
        {
            CampaignInForce? inForce;
            try { inForce = await campaigns(null); }
            catch (Shared.Cli.FleetException e) { return NotReady(e.Message); }
            catch (AskTimeoutException) { return NotReady("the campaign store did not answer in time"); }
            if (inForce is null) return NotReady("no campaign in force on this device yet");
            PersonaliseProtocol.ProviderStatus model;
            try { model = await render.ActorRef.Ask<PersonaliseProtocol.ProviderStatus>(PersonaliseProtocol.GetProvider.Instance, ModelAskTimeout); }
            catch (AskTimeoutException) { return NotReady("the personalisation model is still loading"); }
            if (model.ModelError is not null) return NotReady($"the personalisation model is not loaded: {model.ModelError}");
            return Results.Json(new Ready("ready", inForce.Campaign.Spec.Id, inForce.Version, model.Provider), FleetJson.Options);
        });
    }

    /// <summary>The 200 answer: <c>{"status": "ready", "campaign", "version", "model_provider"}</c>.</summary>
    public sealed record Ready(string Status, string Campaign, string Version, string ModelProvider);

    private static IResult NotReady(string reason) => JsonErrors.Error(StatusCodes.Status503ServiceUnavailable, "not ready: " + reason);
}
