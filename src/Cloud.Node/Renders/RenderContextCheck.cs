using System.Text.Json;
using Fleet.Shared.Rendering;

namespace Fleet.Cloud.Renders;

/// <summary>
/// Keeps personal data off the cloud at the render contract: a context that carries a user id, or a slot value for a
/// field the campaign's template marks <c>pii</c>, is refused rather than hashed — the cloud has no use for it, and a
/// hash of a short value (a first name) is no protection.
/// </summary>
public static class RenderContextCheck
{
    /// <summary>Null when <paramref name="context"/> holds nothing personal for <paramref name="template"/>; otherwise why, in one line.</summary>
    public static string? PersonalIn(JsonElement? context, TemplateSpec template)
    {
        if (context is not { ValueKind: JsonValueKind.Object } c) return null;
        if (c.TryGetProperty("user_id", out var user) && user.ValueKind is not JsonValueKind.Null)
            return "context.user_id is personal data: it stays on the device (which hashes it itself); send the context without it";
        if (c.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Object)
            foreach (var f in fields.EnumerateObject())
                if (template.Pii.Contains(f.Name, StringComparer.Ordinal))
                    return $"context.fields.{f.Name} is personal data (the template marks it pii): it stays on the device, which fills that slot itself";
        return null;
    }
}
