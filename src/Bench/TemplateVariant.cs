using System.Text.Json.Nodes;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Cli;
using Fleet.Shared.Rendering;

namespace Fleet.Bench;

/// <summary>
/// The render benchmark's templates: the campaign's own (<c>sample</c>, an end card on a still plate), <c>moving</c> (the
/// same length of moving footage just before it personalised instead, layers and voice moved along) and <c>whole</c>
/// (every frame personalised: the fast path has nothing to copy). Each with its own budgets (DESIGN.md); <c>whole</c> has
/// none for speed, only the output check: every render of it, the first after a sync too, encodes the whole clip.
/// </summary>
public sealed record TemplateVariant(string Name, double? EndToEndP50BudgetMs, double? SpeedupBudget, double? FirstAfterSyncBudgetMs)
{
    public static readonly IReadOnlyList<TemplateVariant> All =
    [
        new("sample", 250, 4, 400),
        new("moving", null, 2.5, 400),
        new("whole", null, null, null),
    ];

    public static TemplateVariant Named(string name) => All.FirstOrDefault(v => v.Name == name)
        ?? throw new UsageException($"unknown --variant '{name}' (known: {string.Join(", ", All.Select(v => v.Name))})");

    /// <summary>The campaign folder to render: <paramref name="campaignDir"/> itself, or a copy under <paramref name="scratch"/> with the template changed.</summary>
    public string Apply(string campaignDir, string scratch)
    {
        if (Name == "sample") return campaignDir;
        var campaign = CampaignLoader.LoadDirectory(campaignDir);
        var t = campaign.Template;
        var first = t.Personalised.MinBy(r => r.StartFrame)!;
        var range = Name == "whole" ? new FrameRange(0, t.DurationFrames) : new FrameRange(first.StartFrame - first.Frames, first.StartFrame);
        if (range.StartFrame < 0) throw new FleetException($"{campaign.Spec.Id}: no footage of {first.Frames} frames before frame {first.StartFrame} to personalise");

        var target = Path.Combine(scratch, $"campaign-{Name}");
        CopyFolder(campaignDir, target);
        var templatePath = Path.Combine(target, campaign.Spec.Template);
        var template = JsonNode.Parse(File.ReadAllText(templatePath))!.AsObject();
        template["personalised"] = new JsonArray(new JsonObject { ["start_frame"] = range.StartFrame, ["end_frame"] = range.EndFrame });
        if (Name == "moving")
        {
            foreach (var layer in template["layers"]!.AsArray())
            {
                layer!["start_frame"] = range.StartFrame;
                layer["end_frame"] = range.EndFrame;
            }
            if (template["voice"] is JsonObject voice) voice["start_frame"] = range.StartFrame;
        }
        File.WriteAllText(templatePath, template.ToJsonString());
        return target;
    }

    /// <summary>A campaign folder's files and folders (hidden ones left out) copied into <paramref name="to"/>.</summary>
    internal static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from).Where(d => !Path.GetFileName(d).StartsWith('.')))
            CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
