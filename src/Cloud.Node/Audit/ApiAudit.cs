using Fleet.Cloud.Api;
using Fleet.Shared.Audit;

namespace Fleet.Cloud.Audit;

/// <summary>
/// Every mutating API call (anything but GET/HEAD/OPTIONS under <c>/api/</c>), allowed or refused, goes into the node's
/// hash-chained audit log <c>&lt;data&gt;/audit/api.log</c>: who (token id and role), what (method, path, status, detail), when.
/// </summary>
public sealed class ApiAudit(AuditLog log)
{
    public const string FileName = "api.log";
    private const string DetailItem = "fleet.audit.detail";

    public AuditLog Log => log;

    public static ApiAudit Open(string dataDir) => new(AuditLog.Open(Path.Combine(dataDir, "audit", FileName)));

    public async Task Middleware(HttpContext ctx, RequestDelegate next)
    {
        var method = ctx.Request.Method;
        if (!ctx.Request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        {
            await next(ctx);
            return;
        }
        try
        {
            await next(ctx);
        }
        finally
        {
            var p = ctx.Principal();
            var who = p is null ? "anonymous" : $"{p.Name} ({p.Role}{(p.DeviceId is null ? "" : " " + p.DeviceId)})";
            var detail = $"status {ctx.Response.StatusCode}" + (ctx.Items.TryGetValue(DetailItem, out var d) && d is string s ? "; " + s : "");
            log.Append(who, method, ctx.Request.Path.ToString(), detail);
        }
    }

    /// <summary>Endpoints add what the path alone does not say (the version created, the token id issued).</summary>
    public static void Note(HttpContext ctx, string detail) => ctx.Items[DetailItem] = detail;
}
