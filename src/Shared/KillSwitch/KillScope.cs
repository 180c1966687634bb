using System.Text.RegularExpressions;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.KillSwitch;

/// <summary>What a kill stops: one model version, one campaign, one template version, or everything generative.</summary>
public enum KillKind { Model, Campaign, Template, AllGenerative }

/// <summary>A kill scope as operators write it: <c>model:NAME@VERSION</c>, <c>campaign:ID</c>, <c>template:NAME@VERSION</c>, <c>all-generative</c>.</summary>
public sealed partial record KillScope(KillKind Kind, string Target) : IFleetProtocol
{
    public static readonly KillScope AllGenerative = new(KillKind.AllGenerative, "");

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}@\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")]
    private static partial Regex Versioned();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Plain();

    public static KillScope Parse(string text)
    {
        if (text == "all-generative") return AllGenerative;
        var colon = text.IndexOf(':');
        var (kind, target) = colon < 0 ? (text, "") : (text[..colon], text[(colon + 1)..]);
        return kind switch
        {
            "model" when Versioned().IsMatch(target) => new KillScope(KillKind.Model, target),
            "template" when Versioned().IsMatch(target) => new KillScope(KillKind.Template, target),
            "campaign" when Plain().IsMatch(target) => new KillScope(KillKind.Campaign, target),
            "model" or "template" => throw new UsageException($"--scope '{text}': expected {kind}:NAME@MAJOR.MINOR.PATCH"),
            "campaign" => throw new UsageException($"--scope '{text}': expected campaign:ID"),
            _ => throw new UsageException($"--scope '{text}': use model:NAME@VERSION, campaign:ID, template:NAME@VERSION or all-generative"),
        };
    }

    /// <summary>Whether a render that uses these artifacts falls under this kill.</summary>
    public bool Covers(RenderArtifacts a) => Kind switch
    {
        KillKind.AllGenerative => true,
        KillKind.Model => a.Model == Target,
        KillKind.Campaign => a.CampaignId == Target,
        KillKind.Template => a.Template == Target,
        _ => false,
    };

    public override string ToString() => Kind == KillKind.AllGenerative ? "all-generative" : $"{Kind.ToString().ToLowerInvariant()}:{Target}";
}

/// <summary>The artifacts one render uses, as the kill-switch compares them (<c>name@version</c> for model and template).</summary>
public sealed record RenderArtifacts(string CampaignId, string? Model, string? Template);
