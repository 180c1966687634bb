using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Campaigns;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Security;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Keys;

/// <summary>HTTP: the manifest signing keys (list, rotate, revoke) and the public trust set devices verify with.</summary>
public static class KeyEndpoints
{
    public sealed record KeyView(string Kid, bool Active, bool Revoked);

    public static void MapKeys(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/keys").WithTags("keys");
        // Reads re-read the ring from the database first: another control node may have just changed it.
        g.MapGet("", (SigningKeyRing ring) => ApiResults.Ok(List(Fresh(ring))))
            .RequireRole(TokenRoles.Viewer).WithName("listKeys").WithSummary("Signing keys and which one is active").Produces<List<KeyView>>();
        g.MapGet("/status", async (SigningKeyRing ring, IRequiredActor<CampaignStore> store, Fleet.Cloud.Devices.DeviceDirectory devices,
                Hosting.CloudOptions options, CancellationToken ct) =>
                ApiResults.Ok(await TrustStatus.ReadAsync(Fresh(ring), store, devices, options.Retirement, ct)))
            .RequireRole(TokenRoles.Viewer).WithName("getKeyStatus").WithSummary("Which trust version each device confirmed, against the key ring's").Produces<TrustStatus.View>();
        g.MapGet("/trust", (SigningKeyRing ring) => Results.Bytes(Fresh(ring).ExportTrustSetJson(), "application/json"))
            .RequireRole(TokenRoles.Viewer, TokenRoles.Device).WithName("getTrustSet").WithSummary("The trust set devices hold: public keys and revoked key ids")
            .Produces<TrustSet>();
        g.MapPost("/rotate", async (HttpContext ctx, SigningKeyRing ring, ActorSystem system, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
            {
                string kid;
                try { kid = ring.Rotate(); }
                catch (System.Data.Common.DbException e) { return Unavailable(e); }
                ControlPlaneSync.Announce(system, ring);
                (await store.GetAsync(ct)).Tell(CampaignCommands.TrustChanged.Instance);
                CloudAudit.Note(ctx, $"new active key {kid}");
                return ApiResults.Ok(List(ring));
            })
            .RequireRole(TokenRoles.Operator).WithName("rotateKey").WithSummary("Add a signing key and make it active; older keys stay trusted until revoked").Produces<List<KeyView>>();
        g.MapPost("/{kid}/revoke", async (string kid, HttpContext ctx, SigningKeyRing ring, ActorSystem system, IRequiredActor<CampaignStore> store, CancellationToken ct) =>
            {
                if (!Fresh(ring).Kids.Contains(kid)) return ApiResults.NotFound($"no signing key '{kid}'");
                try { ring.Revoke(kid); }
                catch (FleetException e) { return ApiResults.Conflict(e.Message); }
                catch (System.Data.Common.DbException e) { return Unavailable(e); }
                ControlPlaneSync.Announce(system, ring);
                (await store.GetAsync(ct)).Tell(CampaignCommands.TrustChanged.Instance);
                CloudAudit.Note(ctx, $"revoked {kid}");
                return ApiResults.Ok(List(ring));
            })
            .RequireRole(TokenRoles.Operator).WithName("revokeKey").WithSummary("Revoke a key fleet-wide (not the active one)").Produces<List<KeyView>>()
            .Errors(404, 409);
    }

    /// <summary>The key ring lives in the cluster's database: while it is away nothing changed, and the caller may ask again.</summary>
    private static IResult Unavailable(System.Data.Common.DbException e) =>
        ApiResults.Error(StatusCodes.Status503ServiceUnavailable, $"the key ring's database is unavailable, nothing changed; try again ({e.Message.Split('\n')[0]})");

    /// <summary>The ring as the database has it now, or this node's copy while the database is away.</summary>
    private static SigningKeyRing Fresh(SigningKeyRing ring)
    {
        ring.TryReload();
        return ring;
    }

    private static List<KeyView> List(SigningKeyRing ring)
    {
        var trust = ring.ExportTrustSet();
        return ring.Kids.Select(k => new KeyView(k, k == ring.ActiveKid, trust.IsRevoked(k))).ToList();
    }
}
