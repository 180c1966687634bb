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

    public static Verb Create() => new("template", "prepare a campaign's template for fast renders (prepare)", RunAsync, ["prepare"]);

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var args = CommandArgs.Parse(argv);
        var sub = args.Positionals.FirstOrDefault();
        if (args.Flag("help") || sub is null)
        {
            Console.WriteLine("usage: fleet-edge template prepare --campaign DIR [--cache DIR] [--ffmpeg PATH] [--json]");
            return sub is null && !args.Flag("help") ? 2 : 0;
        }
        return sub switch
        {
            "prepare" => await PrepareAsync(args),
            _ => throw new UsageException($"unknown template command '{sub}' (prepare)"),
        };
    }

    private static async Task<int> PrepareAsync(CommandArgs args)
    {
        args.RejectUnknown("campaign", "cache", "ffmpeg");
        // ffmpeg can take a while on a first prepare: a spinner on a terminal; redirected, stderr stays quiet.
        var (campaign, prepared) = await Terminal.StatusAsync("preparing the template", _ => LoadAndPrepareAsync(args), quiet: args.Flag("json"));
        if (args.Flag("json"))
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
    public static async Task<(LoadedCampaign Campaign, PreparedTemplate Prepared)> LoadAndPrepareAsync(CommandArgs args)
    {
        var campaign = CampaignLoader.LoadDirectory(args.Required("campaign"));
        var runner = new FfmpegRunner(args.Get("ffmpeg"), TimeSpan.FromMinutes(5));
        var prepared = await new TemplatePreparer(runner).PrepareAsync(campaign, args.Get("cache", DefaultCache));
        return (campaign, prepared);
    }
}
