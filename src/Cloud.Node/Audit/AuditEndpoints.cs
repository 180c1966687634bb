using Fleet.Cloud.Api;
using Fleet.Shared.Audit;

namespace Fleet.Cloud.Audit;

/// <summary>HTTP: <c>GET /api/v1/audit</c> lists entries; a middleware writes one entry per operator action.</summary>
public static class AuditEndpoints
{
    public static void MapAudit(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", (CloudAudit audit, int? limit) =>
        {
            var all = audit.Log.Read().ToList();
            return ApiResults.Ok(limit is > 0 ? all.TakeLast(limit.Value).ToList() : all);
        })
        .WithName("listAudit").WithTags("audit").WithSummary("The operator audit log, oldest first (limit: only the newest N entries)")
        .Produces<List<Fleet.Shared.Audit.AuditEntry>>();
        // The list stops at an unreadable line; this says whether the chain (and its signed head) holds, and where not.
        api.MapGet("/audit/verify", (CloudAudit audit) => ApiResults.Ok(new ChainStatus(audit.Verify())))
            .WithName("verifyAudit").WithTags("audit")
            .WithSummary("Whether this node's audit hash chain verifies, against its signed head when there is one (as `fleet-cloud audit verify`)")
            .Produces<ChainStatus>();
    }

    /// <summary>The chain check as the API reports it: valid, how many entries, the head, and the first break if any.</summary>
    public sealed record ChainStatus(bool Valid, long Entries, AuditHead? Head, AuditBreak? Break, string Summary)
    {
        public ChainStatus(AuditVerification v) : this(v.IsValid, v.Entries, v.Head, v.Break, v.ToString()) { }
    }

    /// <summary>
    /// Every state-changing API call (anything but GET/HEAD/OPTIONS under /api) is an operator action: it is written
    /// with the caller, method, route and outcome once the response is decided. Bodies are not written (they may hold
    /// secrets); services add detail through <see cref="CloudAudit.Record"/>.
    /// </summary>
    public static async Task Middleware(HttpContext ctx, RequestDelegate next)
    {
        await next(ctx);
        if (!ctx.Request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method)
            || HttpMethods.IsOptions(ctx.Request.Method)) return;
        // Refused before authentication, or a device token outside its scope: neither reached the API.
        if (ctx.Principal() is not { } who || ApiAuthorization.OutsideDeviceScope(ctx)) return;
        var audit = ctx.RequestServices.GetRequiredService<CloudAudit>();
        audit.Record(who.Name, $"{ctx.Request.Method.ToLowerInvariant()} {ctx.Request.Path}", ctx.Request.Path,
            $"status {ctx.Response.StatusCode}" + (CloudAudit.NoteOf(ctx) is { } note ? "; " + note : ""));
    }
}
