using Fleet.Cloud.Api;
using Fleet.Shared.Audit;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Audit;

/// <summary>HTTP: <c>GET /api/v1/audit[?after=SEQ&amp;limit=N]</c>, oldest first.</summary>
public static class AuditEndpoints
{
    public static void MapAudit(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", (ApiAudit audit, long? after, int? limit) =>
            {
                var take = Math.Clamp(limit ?? 100, 1, 1000);
                var entries = audit.Log.Read().Where(e => e.Seq > (after ?? 0)).ToList();
                return ApiResults.Ok(entries.Skip(Math.Max(0, entries.Count - take)).ToList());
            })
            .RequireRole(TokenRoles.Viewer)
            .WithSummary("Audit log of mutating API calls (who, what, when), hash-chained")
            .Produces<List<AuditEntry>>();
    }
}
