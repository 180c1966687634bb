using System.CommandLine;
using System.Text.Json;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Cli;
using Fleet.Shared.Rendering;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge template prepare</c>: imports a campaign's template (<c>fleet-bench template</c> times it).</summary>
public static class TemplateVerb
{
    public const string DefaultCache = ".fleet/prepared";

    public static Command Create()
    {
        var campaign = CliOption.Text("--campaign", "the campaign folder", "DIR");
        var cache = CliOption.Text("--cache", DefaultCache, "where prepared templates are kept", "DIR");
        var ffmpeg = CliOption.Text("--ffmpeg", "the ffmpeg to run (default: from PATH)", "PATH");
        var prepare = new Command("prepare", "import the campaign's template: cut it into segments the fast path renders") { campaign, cache, ffmpeg };
        prepare.SetAction((r, _) => PrepareAsync(
            r.GetValue(campaign) ?? throw new UsageException("missing required option --campaign"), r.GetValue(ffmpeg), r.GetValue(cache)!, r.GetValue(FleetCli.Json)));
        return new Command("template", "prepare a campaign's template for fast renders (prepare)") { prepare };
    }

    private static async Task<int> PrepareAsync(string campaignDir, string? ffmpeg, string cache, bool json)
    {
        // ffmpeg can take a while on a first prepare: a spinner on a terminal; redirected, stderr stays quiet.
        var (campaign, prepared) = await Terminal.StatusAsync("preparing the template", _ => LoadAndPrepareAsync(campaignDir, ffmpeg, cache), quiet: json);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                campaign = campaign.Spec.Id, folder = prepared.Directory, hero_sha256 = prepared.HeroSha256, encoder = prepared.Encoder,
                segments = prepared.Segments,
            }, FleetJson.Indented));
            return 0;
        }
        Console.WriteLine($"prepared {campaign.Spec.Id} -> {prepared.Directory}");
        foreach (var s in prepared.Segments)
            Console.WriteLine($"  frames {s.StartFrame,4}-{s.EndFrame - 1,-4} {(s.Personalised ? "personalised" : "untouched"),-12} {s.File}{(s.StillSkipFrames is null ? "" : " (still plate: keyframe-only encode)")}");
        return 0;
    }

    /// <summary>Loads the campaign folder and prepares (or reuses) its template; shared by prepare and <c>fleet-bench template</c>.</summary>
    public static async Task<(LoadedCampaign Campaign, PreparedTemplate Prepared)> LoadAndPrepareAsync(string campaignDir, string? ffmpeg, string cache)
    {
        var campaign = CampaignLoader.LoadDirectory(campaignDir);
        var runner = new FfmpegRunner(ffmpeg, TimeSpan.FromMinutes(5));
        var prepared = await new TemplatePreparer(runner).PrepareAsync(campaign, cache);
        return (campaign, prepared);
    }
}
