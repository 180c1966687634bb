using System.Reflection;
using Fleet.Shared.Ids;
using Microsoft.AspNetCore.Http.Metadata;

namespace Fleet.Cloud.Api;

/// <summary>
/// A route or query value that is no id of its parameter's kind fails binding before the endpoint runs, which the
/// framework answers with a bare 400; this finds that value so the answer is the kind's own line naming it.
/// </summary>
public static class BadIdParameter
{
    /// <summary>The refusal of the first id parameter of the request's endpoint whose value is no id of its kind, or null.</summary>
    public static string? Describe(HttpContext ctx)
    {
        if (ctx.GetEndpoint()?.Metadata.GetMetadata<MethodInfo>() is not { } handler) return null;
        foreach (var p in handler.GetParameters().Where(p => FleetIds.IsIdKind(p.ParameterType)))
        {
            var attributes = p.GetCustomAttributes().ToList();
            var name = attributes.OfType<IFromRouteMetadata>().FirstOrDefault()?.Name ?? attributes.OfType<IFromQueryMetadata>().FirstOrDefault()?.Name ?? p.Name;
            if (name is null) continue;
            var raw = ctx.Request.RouteValues.TryGetValue(name, out var r) ? r?.ToString()
                : ctx.Request.Query.TryGetValue(name, out var q) ? q.ToString() : null;
            // An empty query value binds to null for an optional id, so it is never what failed.
            if (string.IsNullOrEmpty(raw)) continue;
            if (FleetIds.Invalid(p.ParameterType, raw) is { } why) return why;
        }
        return null;
    }
}
