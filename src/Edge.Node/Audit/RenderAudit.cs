using System.Text;
using System.Text.Json;
using Fleet.Edge.Privacy;
using Fleet.Shared.Audit;
using Fleet.Shared.Rendering;
using Fleet.Shared.Serialization;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Audit;

/// <summary>
/// The audit entry of one render: which campaign version, model, copy variants, grade and fallbacks made the ad, and a
/// salted digest of its inputs. Never the context, its slot values, the user id or any copy text: the digest lets the
/// device show later which inputs produced an ad without keeping them, and the salt (the device's secret) keeps an
/// exported log from confirming guessed contexts.
/// </summary>
public static class RenderAudit
{
    public const string Actor = "render";

    public static AuditCommands.Record Entry(RenderOutcome o, RenderAd request, UserIdHasher hasher)
    {
        var detail = new StringBuilder()
            .Append("model=").Append(o.Artifacts.Model ?? "none")
            .Append(" headline=").Append(o.HeadlineId)
            .Append(" cta=").Append(o.CtaId)
            .Append(" grade=").Append(o.Grade)
            .Append(" path=").Append(o.Path)
            .Append(" ok=").Append(o.Success ? "true" : "false")
            .Append(" fallbacks=").Append(o.Fallbacks.Count == 0 ? "none" : string.Join(',', o.Fallbacks.Select(Code)))
            .Append(" inputs=").Append(InputsDigest(request, hasher))
            .ToString();
        return new AuditCommands.Record(Actor, AuditCommands.Actions.Render, $"{o.CampaignId}@{request.CampaignVersion}", detail);
    }

    /// <summary>HMAC-SHA256 (keyed with the device's salt) of everything the caller chose: context, preview copy, mode, size.</summary>
    public static string InputsDigest(RenderAd r, UserIdHasher hasher) =>
        hasher.Hash(JsonSerializer.Serialize(new Inputs(r.Campaign.Spec.Id, r.CampaignVersion, r.Context, r.PreviewHeadline, r.PreviewCta, r.Mode, r.Height),
            FleetJson.Options));

    /// <summary>
    /// A fallback's leading code words only (<c>render:static-creative:over-deadline-800ms</c>); a segment with free text
    /// (an exception message, which may quote a slot value) and everything after it is cut.
    /// </summary>
    public static string Code(string fallback)
    {
        var kept = fallback.Split(':').TakeWhile(s => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@')).ToList();
        return kept.Count == 0 ? "other" : string.Join(':', kept);
    }

    private sealed record Inputs(string Campaign, string Version, RenderContext Context, string? Headline, string? Cta, string Mode, int? Height);
}
